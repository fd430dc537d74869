#!/usr/bin/env node
// Thin launcher: the CLI is dist/cli/bundle.js (dist/cli/main.js and its modules in one file, built
// by `npm run build`; `npm test` and `npm start` run it first, `npm pack` through `prepack`).
import('../dist/cli/bundle.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`segcrypt: ${err && err.message ? err.message : err}`); process.exitCode = 70; },
);
