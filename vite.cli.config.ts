import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const ROOT = fileURLToPath(new URL('.', import.meta.url))
const LAZY_SQLITE = '\0keyward:lazy-better-sqlite3'

/**
 * better-sqlite3 stays external (a native module), and rolldown hoists an external's require()
 * to the top of a CommonJS bundle. Routing it through a tiny CommonJS module keeps it inside the
 * registry code that src/cli/context.ts loads on first use: --help and --version skip it.
 */
function lazyBetterSqlite3(): Plugin {
  return {
    name: 'keyward:lazy-better-sqlite3',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id !== 'better-sqlite3') return null
      return importer === LAZY_SQLITE ? { id, external: true } : LAZY_SQLITE
    },
    load(id) {
      return id === LAZY_SQLITE ? "module.exports = require('better-sqlite3')" : null
    }
  }
}

/** What a bundle was built from, beside it: test/cli/bundle.ts rebuilds or refuses a stale one. */
export const STAMP_FILE = 'keyward.inputs.json'
/** Inputs that are not modules of the bundle but change what it is. */
export const STAMP_EXTRA_INPUTS = ['vite.cli.config.ts', 'package.json', 'package-lock.json']

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/**
 * Writes STAMP_FILE: the bundle's hash and the hash of every project file in it (sources under
 * src/, package.json) plus STAMP_EXTRA_INPUTS. Dependencies are covered by package-lock.json.
 */
function inputsStamp(): Plugin {
  return {
    name: 'keyward:inputs-stamp',
    writeBundle(options, bundle) {
      const outDir = options.dir ?? resolve(ROOT, 'out/cli')
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.isEntry) continue
        const files = new Set(STAMP_EXTRA_INPUTS)
        for (const id of chunk.moduleIds) {
          if (id.startsWith('\0') || id.includes('/node_modules/') || id.includes('\\node_modules\\')) continue
          files.add(relative(ROOT, id.split('?')[0]!).split('\\').join('/'))
        }
        const inputs = Object.fromEntries([...files].sort().map((file) => [file, sha256(join(ROOT, file))]))
        const stamp = { bundle: chunk.fileName, bundleSha256: sha256(join(outDir, chunk.fileName)), inputs }
        writeFileSync(join(outDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`)
      }
    }
  }
}

export default defineConfig({
  root: ROOT,
  resolve: { alias: { '@shared': resolve(ROOT, 'src/shared') } },
  plugins: [lazyBetterSqlite3(), inputsStamp()],
  // Everything but better-sqlite3 (made external by the plugin above) goes into the bundle.
  ssr: { noExternal: true },
  build: {
    ssr: resolve(ROOT, 'src/cli/main.ts'),
    outDir: resolve(ROOT, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    rolldownOptions: {
      // node-postgres's optional native binding (pg.native), which Keyward never uses: not bundled.
      external: ['pg-native'],
      output: { format: 'cjs', entryFileNames: 'keyward.cjs' }
    }
  }
})
