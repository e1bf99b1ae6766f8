import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT } from '../../cli/bundle'

/**
 * .github/workflows/release.yml cannot run here; this reads it as GitHub would (YAML) and checks
 * that it runs what the README tells a user to run, on the three OSes, and uploads the installers.
 */
interface Step {
  name?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
}

const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as {
  on: Record<string, unknown>
  jobs: Record<string, { 'runs-on': string; strategy: { matrix: { os: string[] } }; steps: Step[] }>
}
const jobs = Object.values(workflow.jobs)
const job = jobs[0]!
const runs = job.steps.filter((s) => s.run).map((s) => s.run!.trim())
/** A run step's command without the Linux display wrapper. */
const command = (run: string) => run.replace(/^xvfb-run -a /, '')

/** The README's commands of the form `npm ci && npm <x>`, as lists of their npm parts. */
function readmeCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  return [...readme.matchAll(/^npm ci && npm \w+$/gm)].map((m) => m[0].split(' && '))
}

describe('the release workflow (.github/workflows/release.yml)', () => {
  it('is one job over a matrix of Linux, macOS and Windows', () => {
    expect(jobs).toHaveLength(1)
    expect(job['runs-on']).toBe('${{ matrix.os }}')
    const os = job.strategy.matrix.os
    for (const prefix of ['ubuntu-', 'macos-', 'windows-'])
      expect(
        os.filter((o) => o.startsWith(prefix)),
        prefix
      ).toHaveLength(1)
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch'])
  })

  it('checks out and sets up Node 20 first', () => {
    expect(job.steps[0]!.uses).toMatch(/^actions\/checkout@v\d+$/)
    expect(job.steps[1]!.uses).toMatch(/^actions\/setup-node@v\d+$/)
    expect(String(job.steps[1]!.with!['node-version'])).toBe('20')
  })

  it("installs and tests with the README's own commands, in its order, then builds the installers", () => {
    const commands = readmeCommands()
    const test = commands.find((c) => c[c.length - 1] === 'npm test')
    expect(test, 'README has `npm ci && npm test`').toEqual(['npm ci', 'npm test'])
    const npm = runs.map(command).filter((r) => r.startsWith('npm '))
    expect([...new Set(npm)]).toEqual([...test!, 'npm run dist'])
  })

  it("prepares Electron as the README's `npm start` does, before the tests, so the _electron suite runs", () => {
    const start = readmeCommands().find((c) => c[c.length - 1] === 'npm start')
    expect(start, 'README has `npm ci && npm start`').toEqual(['npm ci', 'npm start'])
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts
    const prepare = runs.indexOf(`${scripts.start} --prepare`)
    expect(prepare).toBeGreaterThan(runs.indexOf('npm ci'))
    expect(prepare).toBeLessThan(runs.findIndex((r) => command(r) === 'npm test'))
  })

  it('runs the tests under xvfb on Linux and directly elsewhere, exactly once per OS', () => {
    const tests = job.steps.filter((s) => s.run && command(s.run) === 'npm test')
    expect(tests.map((s) => [s.if, s.run])).toEqual([
      ["runner.os == 'Linux'", 'xvfb-run -a npm test'],
      ["runner.os != 'Linux'", 'npm test']
    ])
  })

  it('uploads every installer electron-builder.yml makes as artifacts, failing when none was built', () => {
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    const dist = job.steps.findIndex((s) => s.run === 'npm run dist')
    expect(dist).toBeGreaterThan(0)
    expect(job.steps.indexOf(upload!)).toBeGreaterThan(dist)
    const paths = String(upload!.with!.path).trim().split('\n')
    expect(paths.sort()).toEqual(['dist/*.AppImage', 'dist/*.deb', 'dist/*.dmg', 'dist/*.exe'])
    expect(upload!.with!['if-no-files-found']).toBe('error')
  })
})
