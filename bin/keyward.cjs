#!/usr/bin/env node
'use strict'
// The CLI is TypeScript run as it is, through tsx's require hook: no build step, so
// `npx keyward …` works in a checkout right after `npm ci`.
require('tsx/cjs/api').register()

process.stdout.on('error', (error) => {
  // `keyward keys list | head`: the reader went away; that is not a failure of ours.
  if (error && error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

require('../src/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code
  })
