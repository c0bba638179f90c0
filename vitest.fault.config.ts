import { defineConfig } from 'vitest/config';

// Fault tests: minutes long (a 3-minute network cut), so outside `npm test`; run with `npm run test:fault`.
export default defineConfig({
  test: {
    include: ['test/fault/**/*.fault.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
