// IPv4 / IPv6 addresses and prefixes. IPv4 as unsigned 32-bit numbers (the hot path), IPv6 as
// bigints. Parsing never throws: bad text gives null.

export type IpAddr = { v6: false; n: number } | { v6: true; n: bigint };

export interface Cidr {
  addr: IpAddr;
  len: number;
}

export function parseIp(text: string): IpAddr | null {
  return text.includes(':') ? parseIp6(text) : parseIp4(text);
}

function parseIp4(text: string): IpAddr | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      if (part > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return { v6: false, n: n * 256 + part };
}

function parseIp6(text: string): IpAddr | null {
  const zone = text.indexOf('%');
  const t = zone >= 0 ? text.slice(0, zone) : text;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIp4(p);
        if (!v4 || v4.v6) return null;
        out.push(v4.n >>> 16, v4.n & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 0) return null;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(fill).fill(0), ...tail]) n = (n << 16n) | BigInt(g);
  return { v6: true, n };
}

export function formatIp(addr: IpAddr): string {
  if (!addr.v6) {
    const n = addr.n;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((addr.n >> BigInt(i * 16)) & 0xffffn).toString(16));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Is `text` an IPv4 address exactly as formatIp prints it (four parts of 0-255, no leading zeros)? */
function isCanonicalV4(text: string): boolean {
  let dots = 0;
  let digits = 0;
  let part = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      dots++;
      digits = 0;
      part = 0;
    } else if (c >= 48 && c <= 57 && !(digits === 1 && part === 0)) {
      part = part * 10 + (c - 48);
      if (part > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

const canonicalMemo = new Map<string, string>();
const CANONICAL_MEMO_MAX = 1 << 18;

/** The canonical text of an address, or the input unchanged when it is not one. Memoised: the
 * engine canonicalises the same few thousand addresses millions of times. Most are canonical IPv4
 * already, which one scan of the text tells without a lookup in a map of every address seen. */
export function canonicalIp(text: string): string {
  if (isCanonicalV4(text)) return text;
  let c = canonicalMemo.get(text);
  if (c === undefined) {
    const a = parseIp(text);
    c = a ? formatIp(a) : text;
    if (canonicalMemo.size >= CANONICAL_MEMO_MAX) canonicalMemo.clear();
    canonicalMemo.set(text, c);
  }
  return c;
}

/** `10.42.0.0/16`, a bare address (full length) or `default`; null when not a prefix. */
export function parseCidr(text: string, v6Default = false): Cidr | null {
  if (text === 'default') return { addr: v6Default ? { v6: true, n: 0n } : { v6: false, n: 0 }, len: 0 };
  const slash = text.indexOf('/');
  const addr = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!addr) return null;
  const max = addr.v6 ? 128 : 32;
  const len = slash >= 0 ? Number(text.slice(slash + 1)) : max;
  if (!Number.isInteger(len) || len < 0 || len > max) return null;
  return { addr: maskAddr(addr, len), len };
}

/** An IPv4 address (as a number) with all but its first `len` bits cleared. */
export function maskV4(n: number, len: number): number {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (n & mask) >>> 0;
}

export function maskAddr(addr: IpAddr, len: number): IpAddr {
  if (!addr.v6) return { v6: false, n: maskV4(addr.n, len) };
  const mask = len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
  return { v6: true, n: addr.n & mask };
}

export function cidrContains(cidr: Cidr, addr: IpAddr): boolean {
  if (cidr.addr.v6 !== addr.v6) return false;
  return maskAddr(addr, cidr.len).n === cidr.addr.n;
}

/** Do two prefixes share any address? */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.addr.v6 !== b.addr.v6) return false;
  const len = Math.min(a.len, b.len);
  return maskAddr(a.addr, len).n === maskAddr(b.addr, len).n;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.addr)}/${cidr.len}`;
}

/** Compare two addresses of the same family (for ranges). */
export function compareIp(a: IpAddr, b: IpAddr): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

export function ipInCidrText(ip: string, cidrText: string): boolean {
  const a = parseIp(ip);
  const c = parseCidr(cidrText);
  return !!a && !!c && cidrContains(c, a);
}
