import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const alias = {
  '@shared': resolve(__dirname, 'src/shared'),
  '@renderer': resolve(__dirname, 'src/renderer/src')
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/integration/**/*.test.ts'],
          // The CLI and server tests spawn bin/keyward.cjs, which runs out/cli/keyward.cjs: rebuilt here when stale.
          globalSetup: ['test/cli/bundle.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000
        }
      },
      {
        resolve: { alias },
        test: {
          // Real processes racing for one registry file: the server under another writer's lock, SIGKILLs, seed-demo.
          name: 'reliability',
          environment: 'node',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: ['test/cli/bundle.ts'],
          // One file at a time: each starts servers and writers of its own, and measures latency.
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 60_000
        }
      },
      {
        plugins: [vue()],
        resolve: { alias },
        test: {
          name: 'component',
          environment: 'happy-dom',
          include: ['test/component/**/*.test.ts'],
          testTimeout: 30_000
        }
      }
    ]
  }
})
