/**
 * encryptPackage through the BullMQ queue, against real processes: a redis-server and
 * `segcrypt worker` processes spawned from the built CLI (nothing mocked). The oracle is the
 * local run: the same package, keys and IV encrypted in this process must give the same bytes,
 * file for file, whichever worker ran which segment and in which order.
 */
import t from 'tap';
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { encryptPackage, type PackageOptions } from '../../src/api/encrypt-package.js';
import { StaticKeys } from '../../src/keys/index.js';
import { SegcryptError } from '../../src/errors.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames } from '../golden/ts-hls-oracle.js';
import { BIN, exitOf, keyForms, makeLoopbackCertificate, redisDump, requireBuiltCli, startRedis, startWorker, treeDifferences, treeOf, waitForOutput } from './queue-fixtures.js';

requireBuiltCli();

const VIDEO = { kid: '0123456789abcdef0123456789abcdef', key: '00112233445566778899aabbccddeeff' };
const AUDIO = { kid: 'fedcba9876543210fedcba9876543210', key: 'ffeeddccbbaa99887766554433221100' };
const KEY_ARGS = ['--key', `video=${VIDEO.kid}:${VIDEO.key}`, '--key', `audio=${AUDIO.kid}:${AUDIO.key}`];
const keys = () => StaticKeys.fromSpecs([`video=${VIDEO.kid}:${VIDEO.key}`, `audio=${AUDIO.kid}:${AUDIO.key}`]);

const CASES: { name: string; dir: string; options: Omit<PackageOptions, 'keys'> }[] = [
  { name: 'DASH cenc', dir: 'dash', options: { scheme: 'cenc', iv: Buffer.from('0a1b2c3d4e5f6071', 'hex') } },
  // Whole files (SegmentBase): the MPD's byte ranges come back from the workers as job results.
  { name: 'DASH SegmentBase cenc', dir: 'dash-shaka-single', options: { scheme: 'cenc', iv: Buffer.from('1122334455667788', 'hex') } },
  { name: 'HLS TS SAMPLE-AES', dir: 'hls-ts', options: { scheme: 'sample-aes', iv: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'), keyUri: 'skd://key' } },
  { name: 'HLS fMP4 cbcs', dir: 'hls-fmp4', options: { scheme: 'cbcs', iv: Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex'), keyUri: 'skd://key' } },
];

t.test('queued packages (DASH, DASH SegmentBase, HLS TS, HLS fMP4) are byte-identical to local runs; no key in Redis while the jobs wait', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  for (const c of CASES) {
    const local = path.join(dir, `${c.dir}-local`);
    await encryptPackage(path.join(SAMPLES, c.dir), local, { ...c.options, keys: keys() });
    const queued = path.join(dir, `${c.dir}-queued`);
    const run = encryptPackage(path.join(SAMPLES, c.dir), queued, { ...c.options, keys: keys(), queue: { connection: redis.url, name: `q-${c.dir}` } });
    run.catch(() => undefined);
    // No worker yet: the jobs wait in Redis. Everything stored there must be free of key bytes.
    const q = new Queue(`q-${c.dir}`, { connection: { url: redis.url } });
    t.teardown(() => q.close());
    for (let i = 0; (await q.getJobCounts('wait')).wait === 0; i++) {
      if (i > 200) throw new Error(`${c.name}: no job reached the queue`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const dump = await redisDump(redis.url);
    t.match(dump, /fmp4-segment|ts-segment/, `${c.name}: the dump holds the queued jobs`);
    for (const form of [...keyForms(VIDEO.key), ...keyForms(AUDIO.key)]) t.notOk(dump.includes(form), `${c.name}: no key bytes in Redis (${form.length} chars form)`);
    // Two worker processes share the queue.
    const workers = await Promise.all([0, 1].map(() => startWorker(t, redis.url, ['--queue', `q-${c.dir}`, ...KEY_ARGS])));
    const result = await run;
    t.same(treeDifferences(local, queued), [], `${c.name}: every file byte-identical to the local run (${treeOf(local).length} files)`);
    t.same(result.encrypted.length > 0, true);
    const ran = workers.map((w) => (w.stdout().match(/^done /gm) ?? []).length);
    t.equal(ran[0]! + ran[1]!, result.encrypted.length, `${c.name}: the workers ran one job per media file (${ran.join(' + ')})`);
    // SIGTERM: the workers finish and exit 0.
    for (const w of workers) w.proc.kill('SIGTERM');
    for (const w of workers) t.same(await exitOf(w.proc, 'worker after SIGTERM'), { code: 0, signal: null }, `${c.name}: a worker exits 0 on SIGTERM`);
    t.same(readdirSync(dir).filter((f) => f.startsWith('.')), [], `${c.name}: no temp folder left`);
  }
});

t.test('segcrypt package --queue (CLI) gives the same bytes as segcrypt package', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  const w = await startWorker(t, redis.url, ['--quiet', ...KEY_ARGS]);
  const cli = async (out: string, extra: string[]) => {
    const p = spawn(process.execPath, [BIN, 'package', path.join(SAMPLES, 'dash-shaka'), out, '--scheme', 'cbcs', '--iv', '00112233445566778899aabbccddeeff', ...KEY_ARGS, '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const { code } = await exitOf(p, 'segcrypt package', 60_000);
    t.equal(code, 0, `segcrypt package ${extra.join(' ')} exits 0 ${err}`);
  };
  await cli(path.join(dir, 'local'), []);
  await cli(path.join(dir, 'queued'), ['--queue', redis.url]);
  t.same(treeDifferences(path.join(dir, 'local'), path.join(dir, 'queued')), [], 'every file byte-identical');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
});

/**
 * The first case encrypted locally (the reference), then queued as `name` on a fresh Redis with one
 * worker (started with `workerArgs`) that has begun a job: for the tests that stop it mid-run.
 */
async function queuedWithOneWorkerBusy(t: Parameters<typeof startRedis>[0], name: string, workerArgs: string[]) {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  const c = CASES[0]!;
  const local = path.join(dir, 'local');
  await encryptPackage(path.join(SAMPLES, c.dir), local, { ...c.options, keys: keys() });
  const queued = path.join(dir, 'queued');
  const a = await startWorker(t, redis.url, ['--queue', name, ...workerArgs, ...KEY_ARGS]);
  const run = encryptPackage(path.join(SAMPLES, c.dir), queued, { ...c.options, keys: keys(), queue: { connection: redis.url, name } });
  run.catch(() => undefined);
  await waitForOutput(a.proc, 'stdout', /^started /m, 'the first worker starts a job');
  return { redis, local, queued, a, run };
}

t.test('a worker killed with SIGKILL while holding a job: another worker takes it over, the package is still byte-identical', async (t) => {
  // Locks last 1 s: once the first worker is dead, its job is free again after that. The stalled
  // check interval is queue-wide (the last checker's interval holds off the others): short for both.
  const { redis, local, queued, a, run } = await queuedWithOneWorkerBusy(t, 'kill', ['--lock-duration', '1000', '--stalled-interval', '300']);
  a.proc.kill('SIGKILL');
  t.equal((await exitOf(a.proc, 'killed worker')).signal, 'SIGKILL');
  const q = new Queue('kill', { connection: { url: redis.url } });
  t.teardown(() => q.close());
  const counts = await q.getJobCounts('active', 'wait', 'completed');
  t.ok(counts.active! >= 1, `the killed worker held a job (active ${counts.active}, waiting ${counts.wait}, completed ${counts.completed})`);
  const b = await startWorker(t, redis.url, ['--queue', 'kill', '--stalled-interval', '300', '--lock-duration', '1000', ...KEY_ARGS]);
  await run;
  t.same(treeDifferences(local, queued), [], 'every file byte-identical to the local run');
  t.same(treeOf(queued).filter((f) => f.includes('.part-')), [], 'no partial file left');
  t.equal((b.stdout().match(/^done /gm) ?? []).length, 9 - counts.completed!, 'the second worker ran every job the first did not finish, the one it held included');
  b.proc.kill('SIGTERM');
  t.equal((await exitOf(b.proc, 'worker')).code, 0);
});

t.test('a worker stopped with SIGTERM while it runs a job and holds the next (fetched ahead): it finishes the running one, gives the other back untried and exits 0; another worker completes the package, byte-identical', async (t) => {
  const { redis, local, queued, a, run } = await queuedWithOneWorkerBusy(t, 'stop', []);
  a.proc.kill('SIGTERM');
  t.equal((await exitOf(a.proc, 'stopped worker')).code, 0, 'the worker exits 0');
  const q = new Queue('stop', { connection: { url: redis.url } });
  t.teardown(() => q.close());
  const done = (a.stdout().match(/^done /gm) ?? []).length;
  t.same(await q.getJobCounts('active', 'wait', 'completed', 'failed', 'delayed'), { active: 0, wait: 9 - done, completed: done, failed: 0, delayed: 0 },
    `nothing left held by the stopped worker (which would wait out its lock), nothing failed or backing off (${done} done)`);
  t.same((await q.getJobs(['wait'])).filter((j) => j.attemptsMade > 0).map((j) => j.data.job.path), [], 'no attempt counted against a job given back');
  const b = await startWorker(t, redis.url, ['--queue', 'stop', ...KEY_ARGS]);
  await run;
  t.same(treeDifferences(local, queued), [], 'every file byte-identical to the local run');
  b.proc.kill('SIGTERM');
  t.equal((await exitOf(b.proc, 'worker')).code, 0);
});

t.test('a corrupt segment fails the package with the typed error naming the file; the same command run again resumes: the finished segments are not encrypted again, the result (with the IV the first run chose) is byte-identical', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  const input = path.join(dir, 'in');
  cpSync(path.join(SAMPLES, 'dash'), input, { recursive: true });
  const bad = path.join(input, 'chunk-stream0-00002.m4s');
  // The moof's size now runs past the end of the file.
  const fd = openSync(bad, 'r+');
  writeSync(fd, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x6d, 0x6f, 0x6f, 0x66]), 0, 8, 0);
  closeSync(fd);
  // No --iv: the coordinator picks the package's base IV, and the re-run must pick the same one.
  const opts = { scheme: 'cenc' as const, keys: keys(), queue: { connection: redis.url, name: 'bad' } };
  const local = await encryptPackage(input, path.join(dir, 'local'), { ...CASES[0]!.options, keys: keys() }).then(() => undefined, (e: unknown) => e);
  t.ok(local instanceof SegcryptError, 'the local run fails too (the oracle)');
  const w = await startWorker(t, redis.url, ['--queue', 'bad', ...KEY_ARGS]);
  const out = path.join(dir, 'queued');
  const err = await encryptPackage(input, out, opts).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof SegcryptError, 'a typed error');
  const e = err as SegcryptError;
  t.equal(e.code, (local as SegcryptError).code, `the same code as the local run (${e.code})`);
  t.equal(e.category, 'input');
  t.match(e.message, /^chunk-stream0-00002\.m4s: /, 'the message names the file');
  t.match(e.message, /run the same command again to resume[^]*remove that folder to start over/, `the message says how to resume and how to discard (${e.message})`);
  t.notOk(existsSync(out), 'no output folder');
  const staging = readdirSync(dir).filter((f) => f.startsWith('.'));
  t.match(staging, [/^\.queued\.segcrypt-[0-9a-f]{20}$/], 'one staging folder beside the output, named by the plan');
  t.equal(e.resumeFrom, path.join(dir, staging[0]!));
  const stagingDir = path.join(dir, staging[0]!);
  const kept = treeOf(stagingDir).filter((f) => f.endsWith('.m4s'));
  const before = new Map(kept.map((f) => [f, statSync(path.join(stagingDir, f))]));
  t.ok(kept.length > 0 && !kept.includes('chunk-stream0-00002.m4s'), `the finished segments are kept, the failed one is not (${kept.join(' ')})`);
  const q = new Queue('bad', { connection: { url: redis.url } });
  const qp = new Queue('bad-packages', { connection: { url: redis.url } });
  t.teardown(() => Promise.all([q.close(), qp.close()]));
  const counts = async () => ({ ...(await q.getJobCounts()), ...Object.fromEntries(Object.entries(await qp.getJobCounts()).map(([k, v]) => [`packages ${k}`, v])) });
  t.same(Object.entries(await counts()).filter(([, n]) => n > 0), [['completed', kept.length]], 'in Redis: the finished jobs only');
  t.match(w.stderr(), /ERR_\w+: chunk-stream0-00002\.m4s/, 'the worker logged the failure');
  const doneFirst = (w.stdout().match(/^done /gm) ?? []).length;

  // The segment repaired, the same call again; the oracle is the local run with the IV the first run chose (kept beside its files).
  cpSync(path.join(SAMPLES, 'dash', 'chunk-stream0-00002.m4s'), bad);
  const chosen = (JSON.parse(readFileSync(path.join(stagingDir, '.segcrypt-run.json'), 'utf8')) as { iv: string }).iv;
  t.match(chosen, /^[0-9a-f]{16}$/, 'the first run kept its random 8-byte base IV in the staging folder');
  await encryptPackage(input, path.join(dir, 'local'), { scheme: 'cenc', iv: Buffer.from(chosen, 'hex'), keys: keys() });
  await encryptPackage(input, out, opts);
  t.same(treeDifferences(path.join(dir, 'local'), out), [], 'every file byte-identical to the local run');
  const doneAgain = (w.stdout().match(/^done /gm) ?? []).length - doneFirst;
  t.equal(doneAgain, 9 - kept.length, `the re-run encrypted only the ${9 - kept.length} files not finished before`);
  for (const [f, st] of before) {
    const now = statSync(path.join(out, f));
    t.same([now.ino, now.mtimeMs], [st.ino, st.mtimeMs], `${f}: the file the first run wrote, not written again`);
  }
  t.same(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no staging folder left');
  t.same(Object.entries(await counts()).filter(([, n]) => n > 0), [], 'no job of the package left in Redis');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
});

t.test('Redis unreachable or restarted empty mid-run: typed I/O errors, no password in them, nothing left', async (t) => {
  const dir = scratchDir(t, 'segcrypt-queue-');
  const opts = { ...CASES[0]!.options, keys: keys() };
  // Nothing listens on the port of a stopped redis-server.
  const gone = await startRedis(t);
  await gone.stop();
  const err = await encryptPackage(path.join(SAMPLES, 'dash'), path.join(dir, 'a'), { ...opts, queue: { connection: `redis://:s3cret-pw@127.0.0.1:${gone.port}` } }).then(() => undefined, (e: unknown) => e) as SegcryptError;
  t.equal(err?.code, 'ERR_QUEUE_CONNECT');
  t.equal(err?.category, 'io');
  t.notMatch(err.message, 's3cret-pw', 'the password is not in the message');
  // No worker: the jobs wait in Redis, which restarts without persistence and loses them.
  const redis = await startRedis(t);
  const run = encryptPackage(path.join(SAMPLES, 'dash'), path.join(dir, 'b'), { ...opts, queue: { connection: redis.url, name: 'restart' } }).then(() => undefined, (e: unknown) => e);
  const q = new Queue('restart', { connection: { url: redis.url } });
  q.on('error', () => undefined);
  for (let i = 0; (await q.getJobCounts('wait')).wait === 0; i++) {
    if (i > 200) throw new Error('no job reached the queue');
    await new Promise((r) => setTimeout(r, 50));
  }
  await q.close();
  await redis.stop();
  const again = spawn('redis-server', ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(async () => { again.kill('SIGTERM'); await exitOf(again, 'redis-server'); });
  await waitForOutput(again, 'stdout', 'Ready to accept connections', 'restarted redis-server');
  const lost = await run as SegcryptError;
  t.equal(lost?.code, 'ERR_QUEUE_LOST', `the coordinator says the jobs are gone (${lost?.message})`);
  t.same(readdirSync(dir).filter((f) => f !== 'a' && f !== 'b'), [], 'no temp folder left');
  t.notOk(existsSync(path.join(dir, 'b')), 'no output folder');
});

t.test('a coordinator interrupted (SIGINT) while its jobs wait: its temp folder goes, workers then fail those jobs once each without bringing the folder back', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  const out = path.join(dir, 'out');
  const p = spawn(process.execPath, [BIN, 'package', path.join(SAMPLES, 'dash'), out, '--scheme', 'cenc', ...KEY_ARGS, '--queue', redis.url, '--queue-name', 'gone', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  const q = new Queue('gone', { connection: { url: redis.url } });
  t.teardown(() => q.close());
  for (let i = 0; (await q.getJobCounts('wait')).wait < 9; i++) {
    if (i > 400) throw new Error('the coordinator queued no jobs');
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill('SIGINT');
  t.equal((await exitOf(p, 'interrupted coordinator')).code, 130, 'the coordinator exits 130');
  t.same(readdirSync(dir), [], 'its temp folder is gone');
  const w = await startWorker(t, redis.url, ['--queue', 'gone', '--quiet', ...KEY_ARGS]);
  // From the worker's first line: it may take jobs before it says it is ready.
  await waitForOutput(w.proc, 'stderr', /(ERR_OUTPUT_GONE[^\n]*\n[^]*){9}/, 'the worker fails the 9 abandoned jobs', 20_000, w.stderr());
  t.notMatch(w.stderr(), /attempt 2/, 'no retries');
  t.same(readdirSync(dir), [], 'no folder brought back');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
});

t.test('a Redis with a password: coordinator and worker authenticate from the URL; the worker never prints the password', async (t) => {
  const redis = await startRedis(t, { password: 'pw-s3cret' });
  const dir = scratchDir(t, 'segcrypt-queue-');
  const w = await startWorker(t, redis.url, ['--queue', 'auth', ...KEY_ARGS]);
  const c = CASES[0]!;
  await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'local'), { ...c.options, keys: keys() });
  await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'queued'), { ...c.options, keys: keys(), queue: { connection: redis.url, name: 'auth' } });
  t.same(treeDifferences(path.join(dir, 'local'), path.join(dir, 'queued')), [], 'byte-identical');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
  t.notMatch(w.stderr() + w.stdout(), 'pw-s3cret', 'no password in the worker output');
});

t.test('a Redis over TLS only (rediss://, a self-signed certificate): coordinator and worker trust it through its CA and the package is byte-identical; without the CA the coordinator refuses to connect', async (t) => {
  const dir = scratchDir(t, 'segcrypt-queue-');
  const tls = makeLoopbackCertificate(dir);
  const redis = await startRedis(t, { tls });
  t.match(redis.url, /^rediss:/);
  const w = await startWorker(t, redis.url, ['--queue', 'tls', '--redis-ca', tls.cert, '--quiet', ...KEY_ARGS]);
  const c = CASES[0]!;
  await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'local'), { ...c.options, keys: keys() });
  await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'queued'), { ...c.options, keys: keys(), queue: { connection: redis.url, name: 'tls', ca: readFileSync(tls.cert, 'utf8') } });
  t.same(treeDifferences(path.join(dir, 'local'), path.join(dir, 'queued')), [], 'byte-identical');
  const err = await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'untrusted'), { ...c.options, keys: keys(), queue: { connection: redis.url, name: 'tls' } }).then(() => undefined, (e: unknown) => e) as SegcryptError;
  t.equal(err?.code, 'ERR_QUEUE_CONNECT', 'the default roots do not trust the self-signed certificate');
  t.match(err?.message, /SELF_SIGNED|self.signed|certificate/i, `the reason is the certificate (${err?.message})`);
  t.notOk(existsSync(path.join(dir, 'untrusted')), 'no output folder');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
});

t.test('queued HLS TS SAMPLE-AES with no --iv: the coordinator fixes the package IV, so segments from any worker match the playlist (ffmpeg decodes the clear frames)', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-');
  const workers = await Promise.all([0, 1].map(() => startWorker(t, redis.url, ['--queue', 'noiv', '--quiet', ...KEY_ARGS])));
  const out = path.join(dir, 'out');
  await encryptPackage(path.join(SAMPLES, 'hls-ts'), out, { scheme: 'sample-aes', keys: keys(), keyUri: 'key.bin', queue: { connection: redis.url, name: 'noiv' } });
  const media = readFileSync(path.join(out, 'index.m3u8'), 'utf8');
  t.equal([...media.matchAll(/IV=0x[0-9A-F]{32}/gi)].length, 1, 'one package-wide IV in the playlist');
  // ffmpeg 5.1 leaves a playlist's last access unit encrypted: decode with one extra tail segment (as the local test does).
  writeFileSync(path.join(out, 'tail.ts'), readFileSync(path.join(out, 'seg_000.ts')));
  writeFileSync(path.join(out, 'with-tail.m3u8'), media.replace('#EXT-X-ENDLIST', '#EXTINF:2.000000,\ntail.ts\n#EXT-X-ENDLIST'));
  writeFileSync(path.join(out, 'key.bin'), Buffer.from(VIDEO.key, 'hex')); // the test plays key server
  const md5 = (l: string) => l.split(',')[2];
  const clear = (await hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'))).filter((l) => l.startsWith('0,')).map(md5);
  const got = (await hlsFrames(path.join(out, 'with-tail.m3u8'))).filter((l) => l.startsWith('0,')).map(md5);
  t.ok(clear.length > 100, `${clear.length} clear video frames`);
  t.same(got.slice(0, clear.length), clear, 'the queued package decodes to the clear video frames');
  for (const w of workers) w.proc.kill('SIGTERM');
  for (const w of workers) t.equal((await exitOf(w.proc, 'worker')).code, 0);
});

t.test('Redis restarted mid-run with its append-only file: the coordinator reconnects, workers started after it finish, byte-identical', async (t) => {
  const dir = scratchDir(t, 'segcrypt-queue-');
  const data = path.join(dir, 'redis');
  mkdirSync(data);
  const first = await startRedis(t, { persistDir: data });
  const c = CASES[0]!;
  await encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'local'), { ...c.options, keys: keys() });
  const run = encryptPackage(path.join(SAMPLES, c.dir), path.join(dir, 'queued'), { ...c.options, keys: keys(), queue: { connection: first.url, name: 'aof' } });
  run.catch(() => undefined);
  const q = new Queue('aof', { connection: { url: first.url } });
  q.on('error', () => undefined);
  for (let i = 0; (await q.getJobCounts('wait')).wait < 9; i++) {
    if (i > 400) throw new Error('the jobs did not reach the queue');
    await new Promise((r) => setTimeout(r, 50));
  }
  await q.close();
  await first.stop();
  const second = await startRedis(t, { port: first.port, persistDir: data });
  const w = await startWorker(t, second.url, ['--queue', 'aof', '--quiet', ...KEY_ARGS]);
  await run;
  t.same(treeDifferences(path.join(dir, 'local'), path.join(dir, 'queued')), [], 'every file byte-identical to the local run');
  w.proc.kill('SIGTERM');
  t.equal((await exitOf(w.proc, 'worker')).code, 0);
});
