import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default report, then one plain closing line (`N passed, N failed, N skipped`).
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    // The machine has 2 cores: two workers, each file in its own fork.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
