// The CLI as one ESM file (dist/cli/bundle.js), after tsc has built dist/: Node 20 has no compile
// cache, and resolving and compiling ~100 small modules costs ~50 ms at every `segcrypt` start
// (measured: a tiny encrypt 0.16 s -> 0.12 s). Packages stay external (node_modules, loaded as
// they are); the worker stays dist/pool/worker.js. The library (dist/index.js) is not bundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
