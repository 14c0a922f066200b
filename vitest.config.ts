import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Lab tests create network namespaces; running test files in parallel on 2 cores is fine,
    // each lab test names its namespaces uniquely.
    pool: 'forks',
  },
});
