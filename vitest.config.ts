import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,platform,agent,fleet,firmware-sim,demo,cli}/**/*.test.ts', 'test/{unit,contract,integration,e2e}/**/*.test.ts'],
    exclude: ['node_modules/**', 'test/bench/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
