// The CLI as one ESM file (dist/cli/bundle.js), after tsc has built dist/: Node 20 has no compile
// cache, and resolving and compiling ~100 small modules costs ~50 ms at every `segcrypt` start
// (measured: a tiny encrypt 0.16 s -> 0.12 s). Packages stay external (node_modules, loaded as
// they are). The library (dist/index.js) is not bundled.
//
// The pool's worker (dist/pool/worker.js) is bundled in place too: every worker thread loaded its
// ~60 modules one by one, 250 ms CPU per thread started on the 2-core dev machine under load, 110 ms
// bundled (an empty worker thread: 60 ms).
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };

await build({ ...common, entryPoints: ['dist/cli/main.js'], outfile: 'dist/cli/bundle.js' });
await build({ ...common, entryPoints: ['dist/pool/worker.js'], outfile: 'dist/pool/worker.js', allowOverwrite: true });
