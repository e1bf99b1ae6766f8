import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { inflateSync } from 'node:zlib'
import { minimatch } from 'minimatch'
import { describe, expect, it } from 'vitest'

/**
 * The electron-builder configuration, loaded and validated by electron-builder's own code
 * (app-builder-lib: the loader and the JSON-schema check `electron-builder` runs before building).
 * Building installers needs a machine that can download Electron; this checks all that can be checked here.
 */
const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Record<string, any>>
  validateConfiguration(config: unknown, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
const { crc32, drawIcon } = require('../../../resources/draw-icon.cjs') as {
  crc32(b: Buffer): number
  drawIcon(size?: number): Buffer
}

async function loadConfig() {
  const config = await getConfig(process.cwd(), null, null)
  await validateConfiguration(config, new DebugLogger(false))
  return config
}

/** Whether `file` (relative to the project) is packed, by electron-builder's normalised `files` patterns. */
function packs(config: Record<string, any>, file: string): boolean {
  // getConfig normalises `files` into file sets: [{filter: [...]}].
  const files = (config.files as (string | { filter: string[] })[]).flatMap((f) =>
    typeof f === 'string' ? [f] : f.filter
  )
  let result = false
  for (const pattern of files) {
    if (pattern.startsWith('!')) {
      if (minimatch(file, pattern.slice(1), { dot: true })) result = false
    } else if (minimatch(file, pattern, { dot: true })) result = true
  }
  return result
}

function targets(platformConfig: { target?: unknown } | undefined): string[] {
  const list = Array.isArray(platformConfig?.target) ? platformConfig!.target : [platformConfig?.target]
  return list.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target))
}

interface Png {
  width: number
  height: number
  colourType: number
  pixels: Buffer
}

/** Reads a PNG strictly: signature, every chunk's CRC, IHDR, and the image data inflated to its exact size. */
function readPng(bytes: Buffer): Png {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  let offset = 8
  let ihdr: Buffer | undefined
  const idat: Buffer[] = []
  let ended = false
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset)
    const type = bytes.toString('ascii', offset + 4, offset + 8)
    const data = bytes.subarray(offset + 8, offset + 8 + length)
    expect(bytes.readUInt32BE(offset + 8 + length), `CRC of ${type}`).toBe(
      crc32(bytes.subarray(offset + 4, offset + 8 + length))
    )
    if (type === 'IHDR') ihdr = data
    if (type === 'IDAT') idat.push(data)
    if (type === 'IEND') ended = true
    offset += 12 + length
  }
  expect(ended).toBe(true)
  const width = ihdr!.readUInt32BE(0)
  const height = ihdr!.readUInt32BE(4)
  expect(ihdr![8]).toBe(8)
  const raw = inflateSync(Buffer.concat(idat))
  expect(raw.length).toBe((width * 4 + 1) * height)
  // Filter type 0 on every row (what the encoder writes), so the pixels can be read directly.
  const pixels = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0)
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1))
  }
  return { width, height, colourType: ihdr![9]!, pixels }
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(loadConfig()).resolves.toBeTruthy()
  })

  it('names the app', async () => {
    const config = await loadConfig()
    expect(config.appId).toBe('app.keyward.desktop')
    expect(config.productName).toBe('Keyward')
  })

  it('builds AppImage and deb on Linux, NSIS on Windows, dmg on macOS', async () => {
    const config = await loadConfig()
    expect(targets(config.linux).sort()).toEqual(['AppImage', 'deb'])
    expect(targets(config.win)).toEqual(['nsis'])
    expect(targets(config.mac)).toEqual(['dmg'])
  })

  it('unpacks better-sqlite3 (native code) from the asar', async () => {
    const config = await loadConfig()
    expect(config.asar).not.toBe(false)
    const patterns = config.asarUnpack as string[]
    for (const file of [
      'node_modules/better-sqlite3/lib/database.js',
      'node_modules/better-sqlite3/package.json',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node'
    ]) {
      expect(
        patterns.some((p) => minimatch(file, p, { dot: true })),
        file
      ).toBe(true)
    }
    expect(patterns.some((p) => minimatch('out/main/index.js', p))).toBe(false)
  })

  it('packs only the built app (out/) and production modules, not sources or tests', async () => {
    const config = await loadConfig()
    const included = (file: string) => packs(config, file)
    expect(included('out/main/index.js')).toBe(true)
    expect(included('out/main/server-process.js')).toBe(true)
    expect(included('out/preload/index.js')).toBe(true)
    expect(included('out/renderer/index.html')).toBe(true)
    expect(included('package.json')).toBe(true)
    for (const file of [
      'src/main/desktop/main.ts',
      'test/unit/electron/installers.test.ts',
      'scripts/start.cjs',
      '.electron-abi/better_sqlite3.node',
      'out/main/index.js.map',
      'README.md'
    ]) {
      expect(included(file), file).toBe(false)
    }
  })

  it('ships the Electron-ABI driver where the app looks for it, and never rebuilds node_modules in place', async () => {
    const config = await loadConfig()
    expect(config.npmRebuild).toBe(false)
    const extra = config.extraResources as { from: string; to: string }[]
    // src/main/desktop/app-paths.ts: join(process.resourcesPath, 'native', 'better_sqlite3.node') when packaged.
    expect(extra).toContainEqual({ from: '.electron-abi/better_sqlite3.node', to: 'native/better_sqlite3.node' })
    expect(extra).toContainEqual({ from: 'resources/icon.png', to: 'icon.png' })
  })

  it('packs the CLI (bin/keyward.cjs and out/cli) unpacked from the asar, with the web console beside it', async () => {
    const config = await loadConfig()
    const unpacked = (file: string) => (config.asarUnpack as string[]).some((p) => minimatch(file, p, { dot: true }))
    // The launchers run app.asar.unpacked/bin/keyward.cjs, which requires ../out/cli/keyward.cjs.
    for (const file of ['bin/keyward.cjs', 'out/cli/keyward.cjs', 'out/renderer/index.html']) {
      expect(packs(config, file), file).toBe(true)
      expect(unpacked(file), file).toBe(true)
    }
    // ...and its require('better-sqlite3') resolves to app.asar.unpacked/node_modules/better-sqlite3.
    expect(unpacked('node_modules/better-sqlite3/lib/index.js')).toBe(true)
    expect(readFileSync('bin/keyward.cjs', 'utf8')).toContain("path.join(__dirname, '..', 'out', 'cli', 'keyward.cjs')")
    // Bundled into out/cli: their packages need not ship.
    for (const file of [
      'node_modules/commander/index.js',
      'node_modules/tsx/package.json',
      'node_modules/esbuild/package.json'
    ]) {
      expect(packs(config, file), file).toBe(false)
    }
  })

  it('ships the keyward launchers into resources/bin, pointing at what the package holds', async () => {
    const config = await loadConfig()
    const extra = config.extraResources as { from: string; to: string }[]
    expect(extra).toContainEqual({ from: 'resources/cli/keyward', to: 'bin/keyward' })
    expect(extra).toContainEqual({ from: 'resources/cli/keyward.cmd', to: 'bin/keyward.cmd' })
    const sh = readFileSync('resources/cli/keyward', 'utf8')
    const cmd = readFileSync('resources/cli/keyward.cmd', 'utf8')
    if (process.platform !== 'win32') expect(statSync('resources/cli/keyward').mode & 0o111).toBe(0o111)
    // The names electron-builder gives the app's binary: productName on macOS and Windows, executableName on Linux.
    expect(sh).toContain(`$resources/../MacOS/${config.productName}`)
    expect(sh).toContain(`$resources/../${config.linux.executableName}`)
    expect(cmd).toContain(`"%~dp0..\\..\\${config.productName}.exe"`)
    for (const launcher of [sh, cmd]) {
      expect(launcher).toContain('ELECTRON_RUN_AS_NODE=1')
      expect(launcher).toMatch(/KEYWARD_SQLITE_BINDING=.*native[\\/]better_sqlite3\.node/)
      expect(launcher).toMatch(/app\.asar\.unpacked[\\/]bin[\\/]keyward\.cjs/)
    }
    expect(
      cmd
        .split('\n')
        .slice(0, -1)
        .every((line) => line.endsWith('\r')),
      'keyward.cmd has CRLF line ends'
    ).toBe(true)
  })

  it("puts keyward on PATH from the deb: electron-builder's own scripts plus the /usr/bin/keyward link", async () => {
    const config = await loadConfig()
    expect(config.deb.afterInstall).toBe('resources/linux/after-install.tpl')
    expect(config.deb.afterRemove).toBe('resources/linux/after-remove.tpl')
    const require = createRequire(import.meta.url)
    const templates = require
      .resolve('app-builder-lib/templates/linux/after-install.tpl')
      .replace(/after-install\.tpl$/, '')
    for (const script of ['after-install.tpl', 'after-remove.tpl']) {
      const ours = readFileSync(`resources/linux/${script}`, 'utf8')
      // Replacing the default scripts must keep all they do (the app's own link, chrome-sandbox, AppArmor).
      expect(
        ours.startsWith(readFileSync(`${templates}${script}`, 'utf8')),
        `${script} starts with electron-builder's own ${script}`
      ).toBe(true)
      // electron-builder fills these macros in and refuses unknown ones.
      expect(
        ours
          .match(/\$\{([a-zA-Z]+)\}/g)!
          .every((m) => ['${executable}', '${sanitizedProductName}', '${productFilename}'].includes(m))
      ).toBe(true)
    }
    expect(readFileSync('resources/linux/after-install.tpl', 'utf8')).toContain(
      "ln -sf '/opt/${sanitizedProductName}/resources/bin/keyward' '/usr/bin/keyward'"
    )
    expect(readFileSync('resources/linux/after-remove.tpl', 'utf8')).toContain("rm -f '/usr/bin/keyward'")
  })

  it('uses an icon that exists and is a valid PNG of at least 512x512, on every platform', async () => {
    const config = await loadConfig()
    for (const platform of ['linux', 'win', 'mac']) {
      expect(config[platform].icon, platform).toBe('resources/icon.png')
    }
    const png = readPng(readFileSync('resources/icon.png'))
    expect(png.width).toBeGreaterThanOrEqual(512)
    expect(png.height).toBe(png.width)
    expect(png.colourType).toBe(6)
  })
})

describe('the app icon', () => {
  const png = readPng(readFileSync('resources/icon.png'))
  const at = (x: number, y: number) => [...png.pixels.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)]

  it('is what resources/draw-icon.cjs draws (regenerate with `node resources/draw-icon.cjs`)', () => {
    expect(readFileSync('resources/icon.png').equals(drawIcon(512))).toBe(true)
  })

  it('has the motif: transparent rounded corners, an indigo tile, a white shield, an indigo key', () => {
    expect(at(2, 2)[3]).toBe(0)
    const tile = at(256, 478)
    expect(tile[3]).toBe(255)
    expect(tile[2]!).toBeGreaterThan(tile[0]!)
    expect(at(150, 260)).toEqual([255, 255, 255, 255])
    const key = at(256, 300)
    expect(key[3]).toBe(255)
    expect(key[2]!).toBeGreaterThan(150)
    expect(key[0]!).toBeLessThan(100)
    // The hole of the key's bow shows the shield through it.
    expect(at(256, 200)).toEqual([255, 255, 255, 255])
  })
})
