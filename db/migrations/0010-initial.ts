import type Database from 'better-sqlite3';

// The first schema: one library holds many snapshots. Rulesets and raw file contents are keyed
// by content hash, so identical files (most nodes carry the same kube-proxy rules) are stored and
// parsed once. Every row that came from a file keeps its file and line, so any view can show the
// original text.
export function update(db: Database.Database): void {
  db.exec(`
    CREATE TABLE snapshots (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      content_hash TEXT NOT NULL UNIQUE,
      source_path TEXT,
      source_kind TEXT NOT NULL,
      created_at TEXT,
      imported_at TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      format_version INTEGER,
      collector TEXT,
      manifest_json TEXT
    );

    CREATE TABLE blobs (
      hash TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      content BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE files (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      node TEXT,
      netns TEXT,
      kind TEXT NOT NULL,
      blob_hash TEXT NOT NULL REFERENCES blobs(hash),
      size INTEGER NOT NULL,
      command TEXT,
      exit_code INTEGER,
      duration_ms INTEGER,
      stderr TEXT,
      UNIQUE (snapshot_id, path)
    );

    CREATE TABLE diagnostics (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      file TEXT,
      line INTEGER,
      col INTEGER,
      severity TEXT NOT NULL,
      code TEXT NOT NULL,
      message TEXT NOT NULL,
      detail TEXT
    );
    CREATE INDEX diagnostics_by_snapshot ON diagnostics (snapshot_id, severity);

    CREATE TABLE nft_rulesets (
      id INTEGER PRIMARY KEY,
      content_hash TEXT NOT NULL UNIQUE,
      format TEXT NOT NULL
    );

    CREATE TABLE nodes (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      ruleset_id INTEGER REFERENCES nft_rulesets(id),
      ruleset_file TEXT,
      sysctls_json TEXT NOT NULL DEFAULT '{}',
      UNIQUE (snapshot_id, name)
    );

    CREATE TABLE interfaces (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      netns TEXT,
      ifindex INTEGER NOT NULL,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      mtu INTEGER,
      mac TEXT,
      state TEXT,
      flags_json TEXT NOT NULL,
      master TEXT,
      peer_ifindex INTEGER,
      link_netns_name TEXT,
      link_netns_id INTEGER,
      vxlan_json TEXT,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX interfaces_by_node ON interfaces (node_id, netns, ifindex);
    CREATE INDEX interfaces_by_name ON interfaces (name);
    CREATE INDEX interfaces_by_mac ON interfaces (mac);

    CREATE TABLE addresses (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      netns TEXT,
      ifname TEXT NOT NULL,
      ifindex INTEGER,
      family TEXT NOT NULL,
      address TEXT NOT NULL,
      prefix_len INTEGER NOT NULL,
      scope TEXT,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX addresses_by_node ON addresses (node_id, netns);
    CREATE INDEX addresses_by_address ON addresses (address);

    CREATE TABLE routes (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      netns TEXT,
      family TEXT NOT NULL,
      table_name TEXT NOT NULL,
      type TEXT NOT NULL,
      dst TEXT NOT NULL,
      gateway TEXT,
      dev TEXT,
      protocol TEXT,
      scope TEXT,
      prefsrc TEXT,
      metric INTEGER,
      flags_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX routes_by_node ON routes (node_id, netns, table_name);

    CREATE TABLE ip_rules (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      family TEXT NOT NULL,
      priority INTEGER NOT NULL,
      src TEXT,
      dst TEXT,
      fwmark TEXT,
      iif TEXT,
      oif TEXT,
      table_name TEXT,
      action TEXT NOT NULL,
      negate INTEGER NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX ip_rules_by_node ON ip_rules (node_id, priority);

    CREATE TABLE neighbours (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      dst TEXT NOT NULL,
      dev TEXT NOT NULL,
      lladdr TEXT,
      state_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX neighbours_by_node ON neighbours (node_id);

    CREATE TABLE fdb (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      mac TEXT NOT NULL,
      dev TEXT NOT NULL,
      dst TEXT,
      master TEXT,
      vlan INTEGER,
      flags_json TEXT NOT NULL,
      state TEXT,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX fdb_by_node ON fdb (node_id);

    CREATE TABLE netns (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      name TEXT,
      nsid INTEGER,
      captured INTEGER NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL
    );
    CREATE INDEX netns_by_node ON netns (node_id);

    CREATE TABLE sandboxes (
      id INTEGER PRIMARY KEY,
      node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
      sandbox_id TEXT NOT NULL,
      pod_name TEXT NOT NULL,
      namespace TEXT NOT NULL,
      pod_uid TEXT,
      state TEXT,
      netns_path TEXT,
      ip TEXT,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX sandboxes_by_node ON sandboxes (node_id);

    CREATE TABLE nft_tables (
      id INTEGER PRIMARY KEY,
      ruleset_id INTEGER NOT NULL REFERENCES nft_rulesets(id) ON DELETE CASCADE,
      family TEXT NOT NULL,
      name TEXT NOT NULL,
      comment TEXT,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX nft_tables_by_ruleset ON nft_tables (ruleset_id);

    CREATE TABLE nft_chains (
      id INTEGER PRIMARY KEY,
      table_id INTEGER NOT NULL REFERENCES nft_tables(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      type TEXT,
      hook TEXT,
      priority INTEGER,
      device TEXT,
      policy TEXT,
      comment TEXT,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX nft_chains_by_table ON nft_chains (table_id, name);
    CREATE INDEX nft_chains_by_name ON nft_chains (name);

    CREATE TABLE nft_rules (
      id INTEGER PRIMARY KEY,
      chain_id INTEGER NOT NULL REFERENCES nft_chains(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      handle INTEGER,
      text TEXT NOT NULL,
      packets INTEGER,
      bytes INTEGER,
      comment TEXT,
      verdict_kind TEXT,
      verdict_target TEXT,
      statements_json TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX nft_rules_by_chain ON nft_rules (chain_id, position);
    CREATE INDEX nft_rules_by_target ON nft_rules (verdict_target);

    CREATE TABLE nft_sets (
      id INTEGER PRIMARY KEY,
      table_id INTEGER NOT NULL REFERENCES nft_tables(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      key_type TEXT NOT NULL,
      data_type TEXT,
      flags_json TEXT NOT NULL,
      comment TEXT,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX nft_sets_by_table ON nft_sets (table_id, name);

    CREATE TABLE nft_set_elements (
      id INTEGER PRIMARY KEY,
      set_id INTEGER NOT NULL REFERENCES nft_sets(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      element_json TEXT NOT NULL
    );
    CREATE INDEX nft_set_elements_by_set ON nft_set_elements (set_id, position);

    CREATE TABLE services (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      uid TEXT,
      type TEXT NOT NULL,
      cluster_ips_json TEXT NOT NULL,
      external_ips_json TEXT NOT NULL,
      lb_ips_json TEXT NOT NULL,
      lb_source_ranges_json TEXT NOT NULL,
      selector_json TEXT,
      external_traffic_policy TEXT,
      internal_traffic_policy TEXT,
      session_affinity TEXT NOT NULL,
      session_affinity_timeout INTEGER,
      health_check_node_port INTEGER,
      external_name TEXT,
      annotations_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX services_by_snapshot ON services (snapshot_id, namespace, name);

    CREATE TABLE service_ports (
      id INTEGER PRIMARY KEY,
      service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      name TEXT,
      protocol TEXT NOT NULL,
      port INTEGER NOT NULL,
      target_port TEXT,
      node_port INTEGER
    );
    CREATE INDEX service_ports_by_service ON service_ports (service_id, position);

    CREATE TABLE endpoint_slices (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      service_name TEXT,
      address_type TEXT NOT NULL,
      legacy INTEGER NOT NULL,
      ports_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX endpoint_slices_by_service ON endpoint_slices (snapshot_id, namespace, service_name);

    CREATE TABLE endpoints (
      id INTEGER PRIMARY KEY,
      slice_id INTEGER NOT NULL REFERENCES endpoint_slices(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      addresses_json TEXT NOT NULL,
      ready INTEGER,
      serving INTEGER,
      terminating INTEGER,
      node_name TEXT,
      pod_namespace TEXT,
      pod_name TEXT,
      zone TEXT
    );
    CREATE INDEX endpoints_by_slice ON endpoints (slice_id, position);

    CREATE TABLE pods (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      uid TEXT,
      node_name TEXT,
      pod_ips_json TEXT NOT NULL,
      host_ip TEXT,
      host_network INTEGER NOT NULL,
      phase TEXT,
      labels_json TEXT NOT NULL,
      containers_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX pods_by_snapshot ON pods (snapshot_id, namespace, name);

    CREATE TABLE kube_nodes (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      addresses_json TEXT NOT NULL,
      pod_cidrs_json TEXT NOT NULL,
      annotations_json TEXT NOT NULL,
      labels_json TEXT NOT NULL,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX kube_nodes_by_snapshot ON kube_nodes (snapshot_id, name);

    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
      namespace TEXT NOT NULL,
      involved_kind TEXT,
      involved_namespace TEXT,
      involved_name TEXT,
      type TEXT,
      reason TEXT,
      message TEXT,
      component TEXT,
      count INTEGER,
      last_timestamp TEXT,
      file TEXT NOT NULL,
      line INTEGER NOT NULL,
      pointer TEXT
    );
    CREATE INDEX events_by_snapshot ON events (snapshot_id, involved_namespace, involved_name);
  `);
}
