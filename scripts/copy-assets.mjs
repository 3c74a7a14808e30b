// Copies non-TypeScript assets (dashboard page, vendored chart library) next to the compiled code.
import { cpSync, existsSync } from 'node:fs'
const pairs = [['src/dashboard/public', 'dist/dashboard/public']]
for (const [from, to] of pairs) if (existsSync(from)) cpSync(from, to, { recursive: true })
