import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { renderConfigDocs, renderExampleJson } from '../../scripts/gen-config-docs.js'
import { CONFIG_KEYS, FILE_KEY_ALIASES } from '../../src/config/schema.js'
import { configDefaults, validateConfig } from '../../src/config/validate.js'

const root = join(import.meta.dirname, '..', '..')
const regen = 'regenerate with: node --import ./scripts/ts-import.mjs scripts/gen-config-docs.ts'

t.test('dnsplane.example.json holds every key at its schema default (record_lww as new files)', async (t) => {
  const text = readFileSync(join(root, 'dnsplane.example.json'), 'utf8')
  t.equal(text, renderExampleJson(), regen)
  t.same(JSON.parse(text), { ...configDefaults(), cluster_sync_policy: 'record_lww' }, 'schema defaults, with the policy new files get')
})

t.test('dnsplane.example.json validates without errors or warnings', async (t) => {
  const res = validateConfig(JSON.parse(readFileSync(join(root, 'dnsplane.example.json'), 'utf8')), {
    configDir: '/srv',
    defaultServerSocket: '/run/dnsplane.socket',
  })
  t.same(res.errors, [])
  t.same(res.warnings, [])
})

t.test('docs/configuration.md is generated from the schema and mentions every key and old name', async (t) => {
  const text = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8')
  t.equal(text, renderConfigDocs(), regen)
  for (const k of CONFIG_KEYS) t.ok(text.includes('`' + k.key + '`'), k.key)
  for (const alias of Object.keys(FILE_KEY_ALIASES)) t.ok(text.includes('`' + alias + '`'), alias)
})
