/**
 * Every ```json block in docs/ and README.md parses, so an example pasted into dnsplane.json (or
 * sent to the API) cannot rot: one JSON value, or keys to paste into dnsplane.json (`"a": 1,
 * "b": 2`, which parse inside braces), or JSON Lines (one value per line, as the API's streams and
 * the protocol's frames are shown). Comments, trailing commas and `…` never parse.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')

/** The json code blocks of a Markdown text, with the line each starts on. */
export function jsonBlocks(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```json\s*$/.test(lines[i])) continue
    const start = i + 1
    const body: string[] = []
    for (i = start; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i])
    out.push({ line: start + 1, text: body.join('\n') })
  }
  return out
}

/** Undefined when `text` is one of the accepted forms, else the parse error of the whole block. */
export function jsonDocError(text: string): string | undefined {
  const attempt = (s: string): string | undefined => {
    try {
      JSON.parse(s)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  }
  const whole = attempt(text)
  if (whole === undefined || attempt(`{${text}}`) === undefined) return undefined
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return lines.length > 1 && lines.every((l) => attempt(l) === undefined) ? undefined : whole
}

t.test('accepted forms: a value, keys to paste, JSON Lines; comments are not', async (t) => {
  t.equal(jsonDocError('{"a": [1]}'), undefined)
  t.equal(jsonDocError('"a": 1,\n"b": true'), undefined)
  t.equal(jsonDocError('{"a": 1}\n{"b": 2}'), undefined)
  t.type(jsonDocError('"a": 1, // why\n"b": 2'), 'string')
  t.type(jsonDocError('{"a": 1,}'), 'string')
  t.type(jsonDocError('{"a": 1}\nnot json'), 'string')
})

t.test('jsonBlocks finds fenced json blocks only', async (t) => {
  t.same(jsonBlocks('a\n```json\n{"x": 1}\n```\n```text\nno\n```\n```json\n[]\n```'), [
    { line: 3, text: '{"x": 1}' },
    { line: 9, text: '[]' },
  ])
})

const files = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))]
for (const file of files) {
  const blocks = jsonBlocks(readFileSync(file, 'utf8'))
  if (blocks.length === 0) continue
  t.test(`every json block of ${file.slice(ROOT.length + 1)} parses`, async (t) => {
    for (const b of blocks) {
      t.equal(jsonDocError(b.text), undefined, `line ${b.line}`)
    }
  })
}
