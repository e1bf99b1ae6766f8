#!/usr/bin/env node
'use strict'
/**
 * `keyward`: runs the CLI bundle out/cli/keyward.cjs, which `npm run build:cli` builds (and
 * `npm ci` through the `prepare` script). The same file runs inside the installed app, where
 * resources/cli/keyward (or keyward.cmd) starts it with the app's own binary as Node.
 * KEYWARD_CLI_SOURCE=1 runs src/cli/main.ts through tsx instead: development without a build.
 */
const path = require('node:path')
const fs = require('node:fs')
const nodeModule = require('node:module')

// Node 22.1+ (and the Node inside Electron) can keep V8's compiled code for the bundle between
// runs; older Node has no such API and compiles it each time.
if (typeof nodeModule.enableCompileCache === 'function') {
  try {
    nodeModule.enableCompileCache()
  } catch {
    // A cache is an optimisation: without one the CLI only starts a little slower.
  }
}

process.stdout.on('error', (error) => {
  // `keyward keys list | head`: the reader went away; that is not a failure of ours.
  if (error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

function loadCli() {
  if (process.env.KEYWARD_CLI_SOURCE === '1') {
    require('tsx/cjs/api').register()
    return require('../src/cli/main.ts')
  }
  const bundle = path.join(__dirname, '..', 'out', 'cli', 'keyward.cjs')
  if (!fs.existsSync(bundle)) {
    process.stderr.write(
      `keyward: the CLI is not built (${bundle} is missing). Run "npm run build:cli" in ${path.join(__dirname, '..')} ` +
        '(npm ci does it too), or set KEYWARD_CLI_SOURCE=1 to run it from source.\n'
    )
    process.exit(1)
  }
  return require(bundle)
}

loadCli()
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code
  })
