import { defineConfig } from 'vitest/config';

// Fault tests start real PostgreSQL, Mosquitto and several fleet processes and SIGKILL some: minutes each, outside `npm test`.
export default defineConfig({
  test: {
    include: ['test/fault/**/*.fault.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
