// The test suite as plain JavaScript, so that its files run without a TypeScript loader
// (scripts/run-tests.mjs runs them; see there for what that saves).
//
// `.test-build/` mirrors the checkout. src/, test/ and bench/ are rebuilt as directories in which
// every file is a symlink to the real one and every `.ts` module also gets a compiled `.js` beside it
// (esbuild transform, no bundling, inline source map naming the real .ts): the specifiers the sources
// already use (`../oracles/ffmpeg.js`, `../../src/index.js`) then resolve to compiled modules, while
// paths built from `import.meta.url` (samples/, dist/, fixtures, a `.ts` child run with tsx) land on
// the same files as in the checkout. Everything else at the top (samples, dist, node_modules,
// package.json, ...) is one symlink. Its empty `.frame-cache/` lets the test files of one run share
// the clear samples' decoded frames (test/oracles/clear-frame-cache.ts). Rebuilt whole by every
// `npm test`; `npx tap test/x.test.ts` in the checkout still runs one file through tsx.
import { transformSync } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, '.test-build');
/** Trees whose TypeScript the tests import. */
const COMPILED = new Set(['src', 'test', 'bench']);
/** Not mirrored: the mirror itself, git, tap's state from runs in the checkout. */
const SKIPPED = new Set(['.test-build', '.git', '.tap']);
/** Generated data inside a compiled tree: one symlink, never walked (bench inputs are GBs of media). */
const DATA_DIRS = new Set(['.cache']);

/** The worker-thread entry: the pool (src/pool/fragment-pool.ts) finds it beside itself; in the mirror that
 * is the built, bundled dist/pool/worker.js the package ships (`npm test` builds first), as from the sources. */
const POOL_WORKER_SOURCE = join(repo, 'src', 'pool', 'worker.ts');

const tsconfig = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8'));
const TRANSFORM = {
  loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline',
  tsconfigRaw: { compilerOptions: { target: tsconfig.compilerOptions.target } },
};

let compiled = 0;
function mirror(src, dst) {
  mkdirSync(dst);
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory() && !DATA_DIRS.has(e.name)) { mirror(from, to); continue; }
    symlinkSync(from, to);
    if (from === POOL_WORKER_SOURCE) {
      symlinkSync(join(repo, 'dist', 'pool', 'worker.js'), `${to.slice(0, -3)}.js`);
    } else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      const { code } = transformSync(readFileSync(from, 'utf8'), { ...TRANSFORM, sourcefile: from });
      writeFileSync(`${to.slice(0, -3)}.js`, code);
      compiled++;
    }
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const e of readdirSync(repo, { withFileTypes: true })) {
  if (SKIPPED.has(e.name)) continue;
  if (e.isDirectory() && COMPILED.has(e.name)) mirror(join(repo, e.name), join(out, e.name));
  else symlinkSync(join(repo, e.name), join(out, e.name));
}
// Clear samples' decoded frames shared by this run's test files (test/oracles/clear-frame-cache.ts).
mkdirSync(join(out, '.frame-cache'));
console.log(`build-tests: ${compiled} modules compiled into .test-build/`);
