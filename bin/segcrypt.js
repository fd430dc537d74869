#!/usr/bin/env node
// Thin launcher: the CLI is dist/cli/bundle.js (dist/cli/main.js and its modules in one file, built
// by `npm run build`, run by `npm ci` through `prepare`).
import('../dist/cli/bundle.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`segcrypt: ${err && err.message ? err.message : err}`); process.exitCode = 70; },
);
