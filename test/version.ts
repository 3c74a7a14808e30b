import t from 'tap'
import { readFileSync } from 'node:fs'
import { VERSION } from '../src/version.js'

t.test('VERSION is the version in the package.json beside src/', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(VERSION, pkg.version)
  t.not(VERSION, '0.0.0')
})
