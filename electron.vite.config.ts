// Three builds: main (Electron main, the db worker, the import's cluster-parsing worker and the
// web harness, all Node-side, into out/main), the sandboxed preload (one CommonJS file: sandboxed
// preloads cannot be ES modules) and the renderer (renderer/index.html into out/renderer).
// better-sqlite3 and the other dependencies stay external and load from node_modules. Shared
// chunks sit next to the entries, in out/main itself: the importer finds cluster-worker.js beside
// the file it was bundled into.
//
// electron-vite 6 reads entries from `build.rolldownOptions` (and copies it over rollupOptions),
// while Vite 7's types only declare `rollupOptions`; the build sections are declared apart so
// that key passes the type check.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const mainBuild = {
  outDir: 'out/main',
  externalizeDeps: { include: ['better-sqlite3'] },
  rolldownOptions: {
    input: {
      index: resolve(__dirname, 'electron/main/index.ts'),
      worker: resolve(__dirname, 'db/worker.ts'),
      'cluster-worker': resolve(__dirname, 'db/import/cluster-worker.ts'),
      web: resolve(__dirname, 'electron/web/main.ts'),
    },
    output: { chunkFileNames: '[name]-[hash].js' },
  },
};

const preloadBuild = {
  outDir: 'out/preload',
  rolldownOptions: {
    input: { index: resolve(__dirname, 'electron/preload/index.ts') },
    output: { format: 'cjs' as const, entryFileNames: '[name].cjs' },
  },
};

const rendererBuild = {
  outDir: resolve(__dirname, 'out/renderer'),
  minify: true,
  rolldownOptions: { input: resolve(__dirname, 'renderer/index.html') },
};

export default defineConfig({
  main: { build: mainBuild },
  preload: { build: preloadBuild },
  renderer: { root: resolve(__dirname, 'renderer'), plugins: [react()], build: rendererBuild },
});
