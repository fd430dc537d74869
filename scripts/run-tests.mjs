// Runs the compiled test files of `.test-build/` (scripts/build-tests.mjs), each a tap program, as
// plain `node --enable-source-maps <file>` processes, 4 at a time, and fails when any file fails.
//
// Why not tap's runner: it starts every test process with two module-hook loaders (@tapjs/mock and
// @tapjs/processinfo, hard-coded in @tapjs/run's test-argv.js, for mocking and coverage the suite
// does not use) whose off-thread hooks cost about 1-1.5 CPU-s per process before a test runs
// (golden/fmp4-mutants: 3.5 CPU-s under tap with tsx, 2.0 as below; api/byte-budget 1.57 vs 0.64):
// over 125 files, the largest fixed cost of the suite on a 2-core machine. The test files are
// unchanged tap tests: `npx tap test/x.test.ts` in the checkout still runs one through tsx.
//
// A file passes when its process exits 0 and prints tap's `# { total: ..., pass: ... }` summary, and
// the last such summary counts no failure. Its TAP output is printed when it ends (whole, for a
// failing file; its summary line, for a passing one) and kept in `.test-build/.logs/`.
// Usage: node scripts/run-tests.mjs [--jobs N] [test files, .ts or .js, relative to the checkout]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), '.test-build');
/** As in .taprc: many files wait on Chromium playing in real time, servers and child processes. */
let jobs = 4;
/** Seconds a file may run (tap's `timeout`, read by each file's root test from TAP_TIMEOUT); the runner kills it 30 s later. */
const TIMEOUT_S = 300;

const args = process.argv.slice(2);
const named = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') jobs = Number(args[++i]);
  else named.push(args[i].replace(/\.ts$/, '.js'));
}
if (!(jobs >= 1)) throw new Error('run-tests: --jobs needs a positive number');

function testFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = join(dir, e.name);
    if (e.isDirectory()) return testFiles(rel);
    return e.name.endsWith('.test.js') ? [rel] : [];
  }).sort();
}
const files = named.length ? named.map((f) => relative(root, resolve(root, f))) : testFiles('test');
const logs = join(root, '.logs');
/** Where a file's TAP output is kept, relative to the mirror. */
const logOf = (file) => join('.logs', `${file.replace(/[/\\]/g, '_')}.tap`);
mkdirSync(logs, { recursive: true });

const SUMMARY = /^# (\{ total: \d+.*\})$/;
function runFile(file) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root, env: { ...process.env, TAP_TIMEOUT: String(TIMEOUT_S) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    const killer = setTimeout(() => { out.push(Buffer.from(`\n# run-tests: killed after ${TIMEOUT_S + 30} s\n`)); child.kill('SIGKILL'); }, (TIMEOUT_S + 30) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const text = Buffer.concat(out).toString('utf8');
      const summary = text.split('\n').map((l) => SUMMARY.exec(l)?.[1]).filter(Boolean).at(-1) ?? '';
      const counts = Object.fromEntries([...summary.matchAll(/(\w+): (\d+)/g)].map((m) => [m[1], Number(m[2])]));
      const ok = code === 0 && summary !== '' && !counts.fail;
      done({ file, ok, code, signal, text, counts, ms: Date.now() - started });
    });
  });
}

const totals = {};
const failed = [];
let next = 0;
let n = 0;
const started = Date.now();
console.log(`TAP version 14\n1..${files.length}`);
async function lane() {
  while (next < files.length) {
    const r = await runFile(files[next++]);
    n++;
    writeFileSync(join(root, logOf(r.file)), r.text);
    for (const [k, v] of Object.entries(r.counts)) totals[k] = (totals[k] ?? 0) + v;
    if (!r.ok) {
      failed.push(r.file);
      console.log(r.text.replace(/^/gm, '    ').trimEnd());
      console.log(`not ok ${n} - ${r.file} # exit ${r.code ?? r.signal}, time=${r.ms}ms`);
    } else {
      console.log(`ok ${n} - ${r.file} # ${JSON.stringify(r.counts).replace(/"/g, '')} time=${r.ms}ms`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, lane));
console.log(`# files: ${files.length}, failed: ${failed.length}; assertions ${JSON.stringify(totals).replace(/"/g, '')}; time=${Date.now() - started}ms`);
for (const f of failed) console.log(`# failed: ${f} (log: .test-build/${logOf(f)})`);
process.exitCode = failed.length ? 1 : 0;
