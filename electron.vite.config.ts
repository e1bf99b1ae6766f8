import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const shared = { '@shared': resolve(__dirname, 'src/shared') }

export default defineConfig({
  main: {
    resolve: { alias: shared },
    build: {
      // better-sqlite3 is a native module: external. electron-store 11 (and conf) are ESM-only,
      // so they are bundled into the CommonJS main output instead of require()d at run time.
      externalizeDeps: { exclude: ['electron-store'] },
      rolldownOptions: {
        input: {
          // out/main/index.js (package.json "main"): the Electron main process.
          index: resolve(__dirname, 'src/main/desktop/main.ts'),
          // out/main/server-process.js: `keyward serve` inside the app, forked by
          // src/main/desktop/local-server.ts as an Electron utility process (Node only, no electron import).
          'server-process': resolve(__dirname, 'src/main/server/utility-entry.ts')
        }
      }
    }
  },
  preload: {
    resolve: { alias: shared },
    // A sandboxed preload can require() only electron: bundle zod and the contract into it.
    build: { externalizeDeps: false }
  },
  renderer: {
    resolve: {
      alias: { ...shared, '@renderer': resolve(__dirname, 'src/renderer/src') }
    },
    plugins: [vue()]
  }
})
