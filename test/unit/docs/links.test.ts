import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { anchorsOf, checkLinks, formatBroken, githubSlug, headingText, linksOf, markdownFiles } from './links'

const REPO = resolve(__dirname, '../../..')

describe('the documentation', () => {
  it('has no broken relative link or #anchor in README.md and docs/', () => {
    const files = markdownFiles(REPO)
    expect(files).toContain('README.md')
    expect(files).toContain('docs/user-guide.md')
    const broken = checkLinks(REPO, files)
    if (broken.length > 0)
      expect.fail(`${broken.length} broken link(s) in the docs (file:line → target: why):\n${formatBroken(broken)}`)
  })

  it('keeps the README a front page: under 300 lines, the two fresh-machine commands, a screenshot under 300 KB', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
    expect(readme.split('\n').length).toBeLessThan(300)
    expect(readme).toContain('```sh\nnpm ci && npm start\n```')
    expect(readme).toContain('```sh\nnpm ci && npm test\n```')
    const images = linksOf(readme)
      .map((l) => l.target)
      .filter((t) => t.endsWith('.png'))
    expect(images.length).toBeGreaterThan(0)
    for (const image of images) {
      const path = join(REPO, image)
      expect(readFileSync(path).subarray(0, 8).toString('latin1'), image).toBe('\x89PNG\r\n\x1a\n')
      expect(statSync(path).size, image).toBeLessThan(300 * 1024)
    }
    // An image needs alt text for screen readers and for when it does not load.
    expect(readme).not.toMatch(/!\[\]\(/)
  })
})

describe('the link checker', () => {
  it('slugs headings as GitHub does', () => {
    const slug = (heading: string) => githubSlug(headingText(heading))
    expect(slug('Quick start (fresh machine)')).toBe('quick-start-fresh-machine')
    expect(slug('The `keyward` command line')).toBe('the-keyward-command-line')
    expect(slug('Keyward server: `keyward serve`')).toBe('keyward-server-keyward-serve')
    expect(slug('Email alerts ("Notify via Email")')).toBe('email-alerts-notify-via-email')
    expect(slug('Settings → Email')).toBe('settings--email')
    expect(slug('The web console: `--ui`')).toBe('the-web-console---ui')
    expect(slug('Admin API: `/v1/admin/*`')).toBe('admin-api-v1admin')
    expect(slug('`POST /v1/admin/rpc/<operation>`')).toBe('post-v1adminrpcoperation')
    expect(slug('`resources add --model M --type TPM|PYG [--limit N] [--inactive]` → `{"resource": R}`')).toBe(
      'resources-add---model-m---type-tpmpyg---limit-n---inactive--resource-r'
    )
    expect(slug('A [linked](https://example.com) *emphasised* __strong__ snake_case word')).toBe(
      'a-linked-emphasised-strong-snake_case-word'
    )
    expect(slug('Ünïcode Wörter & <b>tags</b>')).toBe('ünïcode-wörter--tags')
  })

  it('numbers duplicate headings -1, -2… and ignores headings inside fenced code', () => {
    const anchors = anchorsOf(
      [
        '# Errors',
        '## Errors',
        '```sh',
        '# not a heading',
        '```',
        '### Errors',
        'Setext',
        '======',
        '<a id="custom"></a>'
      ].join('\n')
    )
    expect([...anchors].sort()).toEqual(['custom', 'errors', 'errors-1', 'errors-2', 'setext'])
  })

  it('finds links outside code only', () => {
    const links = linksOf(
      [
        '[a](one.md) and ![b](img.png "title")',
        '`[not](code.md)`',
        '```',
        '[not](fenced.md)',
        '```',
        '[ref]: <two.md#x>',
        '<a href="three.md">3</a>'
      ].join('\n')
    )
    expect(links).toEqual([
      { line: 1, target: 'one.md' },
      { line: 1, target: 'img.png' },
      { line: 6, target: 'two.md#x' },
      { line: 7, target: 'three.md' }
    ])
  })

  describe('on a small set of files with broken links', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyward-links-'))
    afterAll(() => rmSync(root, { recursive: true, force: true }))
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    write(
      'README.md',
      [
        '# Demo',
        '',
        'See [the guide](docs/guide.md), [its setup](docs/guide.md#setup), [the CLI](docs/guide.md#the-keyward-cli),',
        '[errors twice](docs/guide.md#errors-1) and [this page](#demo).',
        'Broken: [gone](docs/gone.md), [no anchor](docs/guide.md#set-up), [third errors](docs/guide.md#errors-2).',
        '[Outside](../elsewhere.md), [web](https://example.com/x#y), [mail](mailto:a@example.com).',
        '```md',
        '[ignored](docs/fenced-away.md)',
        '```'
      ].join('\n')
    )
    write(
      'docs/guide.md',
      [
        '# Guide',
        '## Setup',
        '## The `keyward` CLI',
        '## Errors',
        '### Errors',
        '[back](../README.md#demo) [wrong](../README.md#guide)',
        '![shot](images/missing.png)'
      ].join('\n')
    )

    it('reports every broken link with its file, line and reason, and nothing else', () => {
      const broken = checkLinks(root, markdownFiles(root))
      expect(broken.map((b) => `${b.file}:${b.line} → ${b.target}`)).toEqual([
        'README.md:5 → docs/gone.md',
        'README.md:5 → docs/guide.md#set-up',
        'README.md:5 → docs/guide.md#errors-2',
        'README.md:6 → ../elsewhere.md',
        'docs/guide.md:6 → ../README.md#guide',
        'docs/guide.md:7 → images/missing.png'
      ])
      expect(broken[0]!.reason).toBe('no such file: docs/gone.md')
      expect(broken[1]!.reason).toBe('no heading with the anchor #set-up in docs/guide.md')
      expect(formatBroken(broken)).toContain('  README.md:5 → docs/gone.md: no such file: docs/gone.md')
    })
  })
})
