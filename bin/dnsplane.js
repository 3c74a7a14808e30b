#!/usr/bin/env node
// `health` runs every few seconds under keepalived: it takes a fast entry that loads only what it needs.
if (process.argv[2] === 'health') import('../dist/cli/health-entry.js').then((m) => m.runHealthEntry(process.argv.slice(3)))
else import('../dist/cli/main.js')
