import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { POSTGRES_COMMANDS } from '../../../src/main/core/paths'

/** The CLI guide names exactly the commands that run on PostgreSQL, as the refusal message does. */
describe('docs/cli.md on a team registry', () => {
  const text = readFileSync(join(resolve(__dirname, '../../..'), 'docs/cli.md'), 'utf8')
  const section = text.slice(text.indexOf('### A team registry on PostgreSQL'), text.indexOf('## Global options'))

  it('lists every command that runs on PostgreSQL, and no other', () => {
    // The bulleted list with its wrapped lines, up to the blank line after it.
    const start = section.indexOf('\n- ')
    const list = section.slice(start, section.indexOf('\n\n', start))
    const listed = [...list.matchAll(/`([a-z][a-z -]*)`/g)].map((c) => c[1])
    expect(listed.sort()).toEqual([...POSTGRES_COMMANDS].sort())
  })
})
