#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (built by `npm run build`, run by `npm ci` through `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`segcrypt: ${err && err.message ? err.message : err}`); process.exitCode = 70; },
);
