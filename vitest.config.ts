import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Redis-backed suites spawn their own servers; run files one at a time so
    // fault injection (SIGSTOP, kill) in one file never starves another.
    fileParallelism: false,
    dangerouslyIgnoreUnhandledErrors: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
