import { defineConfig } from 'vitest/config';

// Fault tests last minutes (a 3-minute network cut; real PostgreSQL, Mosquitto and several fleet
// processes, some SIGKILLed): outside `npm test`, run with `npm run test:fault`.
export default defineConfig({
  test: {
    include: ['test/fault/**/*.fault.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
