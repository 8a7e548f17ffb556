import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so Nest's decorator metadata is emitted as tsc would.
const plugins = [swc.vite({ module: { type: 'es6' } })];

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        test: { name: 'unit', include: ['src/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
        test: { name: 'crash', include: ['test/faults/crash-restart.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        plugins,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The crash-and-restart runs (kill -9, Redis and PostgreSQL restarts) run by `npm run test:crash`:
          // the kill -9 run left 2 of 1,000 messages unanswered in 1 of 4 runs (issue #11 stays open for it).
          exclude: ['test/faults/crash-restart.test.ts'],
          environment: 'node',
          // Each file has its own database and Redis prefix, so files run in parallel.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
