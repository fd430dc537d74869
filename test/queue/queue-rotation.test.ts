/**
 * Key rotation through the queue, against a real redis-server and `segcrypt worker` processes:
 * jobs name their key periods, each worker gets those periods' keys from its own key source
 * (static `KID:KEY@P` keys; the built-in SPEKE v2 server, asked once per period). The oracle is
 * the local rotated package with the same keys and IV: the same bytes, file for file. No key
 * byte is in Redis; a worker holding a wrong key for one period changes that period's segments only.
 */
import t from 'tap';
import path from 'node:path';
import { Queue } from 'bullmq';
import { encryptPackage, type PackageOptions } from '../../src/api/encrypt-package.js';
import { StaticKeys } from '../../src/keys/index.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import type { KeyProvider, KeySet } from '../../src/keys/content-key.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { exitOf, keyForms, redisDump, requireBuiltCli, startRedis, startWorker, treeDifferences, treeOf } from './queue-fixtures.js';

requireBuiltCli();

// samples/dash: 6 s in 2 s segments, the audio's last one at 6 s; a key period per segment (periods 0 to 3).
const PERIODS = 4;
const schedule = Array.from({ length: PERIODS }, (_, i) => `${String(i + 1).repeat(32)}:${`c0ffee${i}${i}`.padEnd(32, String(i))}@${i}`);
const KEY_ARGS = schedule.flatMap((s) => ['--key', s]);
const OPTIONS: Omit<PackageOptions, 'keys'> = { scheme: 'cenc', keyPeriod: 2, psshInMoof: true, iv: Buffer.from('0f1e2d3c4b5a6978', 'hex') };

async function waitForJobs(url: string, name: string): Promise<void> {
  const q = new Queue(name, { connection: { url } });
  try {
    for (let i = 0; (await q.getJobCounts('wait')).wait === 0; i++) {
      if (i > 400) throw new Error(`no job reached queue ${name}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await q.close();
  }
}

t.test('a rotated DASH package (static KID:KEY@P keys) through the queue: byte-identical to the local run, no key in Redis; a worker with a wrong period-1 key changes period 1 only', async (t) => {
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-rot-');
  const local = path.join(dir, 'local');
  await encryptPackage(path.join(SAMPLES, 'dash'), local, { ...OPTIONS, keys: StaticKeys.fromSpecs(schedule) });
  const queued = path.join(dir, 'queued');
  const run = encryptPackage(path.join(SAMPLES, 'dash'), queued, { ...OPTIONS, keys: StaticKeys.fromSpecs(schedule), queue: { connection: redis.url, name: 'rot' } });
  run.catch(() => undefined);
  await waitForJobs(redis.url, 'rot');
  const dump = await redisDump(redis.url);
  t.ok(/"id\W+keyPeriod_1\W+index\W+1\W+kids\W+2{32}/.test(dump), 'jobs carry their key periods with their KIDs');
  for (const s of schedule) {
    const key = s.slice(33, 65);
    for (const form of keyForms(key)) t.notOk(dump.includes(form), `no key bytes in Redis (${key.slice(0, 6)}…, ${form.length} chars form)`);
  }
  const workers = await Promise.all([0, 1].map(() => startWorker(t, redis.url, ['--queue', 'rot', '--quiet', ...KEY_ARGS])));
  await run;
  t.same(treeDifferences(local, queued), [], `every file byte-identical to the local rotated package (${treeOf(local).length} files)`);

  // The twin: workers whose period-1 key is wrong (same KID).
  for (const w of workers) w.proc.kill('SIGTERM');
  for (const w of workers) t.equal((await exitOf(w.proc, 'worker')).code, 0);
  const wrong = KEY_ARGS.map((a) => (a.endsWith('@1') ? `${a.slice(0, 33)}${'77'.repeat(16)}@1` : a));
  await startWorker(t, redis.url, ['--queue', 'rot', '--quiet', ...wrong]);
  const twin = path.join(dir, 'wrong-key-worker');
  await encryptPackage(path.join(SAMPLES, 'dash'), twin, { ...OPTIONS, keys: StaticKeys.fromSpecs(schedule), queue: { connection: redis.url, name: 'rot' } });
  t.same(treeDifferences(local, twin), ['chunk-stream0-00002.m4s: bytes differ', 'chunk-stream1-00003.m4s: bytes differ'], 'exactly the period-1 segments (video 2-4 s; audio from its tfdt in 2-4 s) differ: each worker encrypts with the keys of its own key source');
});

t.test('a rotated DASH package from SPEKE v2 through the queue: each worker asks the key server for each period; byte-identical to the local run with the same key sets', async (t) => {
  const server = await startKeyServer();
  t.teardown(() => server.close());
  const redis = await startRedis(t);
  const dir = scratchDir(t, 'segcrypt-queue-rot-');
  // The coordinator's key sets, recorded: the local run replays them (the oracle has the same keys, KIDs and DRM data).
  const speke = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'queue-rotation' });
  const got = new Map<string, KeySet>();
  const recording: KeyProvider = { getKeys: async (r) => { const s = await speke.getKeys(r); got.set(r.period?.id ?? '', s); return s; } };
  const workers = await Promise.all([0, 1].map(() => startWorker(t, redis.url, ['--queue', 'speke', '--quiet', '--speke-url', server.url, '--content-id', 'queue-rotation'])));
  const queued = path.join(dir, 'queued');
  await encryptPackage(path.join(SAMPLES, 'dash'), queued, { ...OPTIONS, contentId: 'queue-rotation', keys: recording, queue: { connection: redis.url, name: 'speke' } });
  t.same([...got.keys()].sort(), ['keyPeriod_0', 'keyPeriod_1', 'keyPeriod_2', 'keyPeriod_3'], 'the coordinator asked for each period');
  const replay: KeyProvider = { getKeys: async (r) => got.get(r.period?.id ?? '')! };
  const local = path.join(dir, 'local');
  await encryptPackage(path.join(SAMPLES, 'dash'), local, { ...OPTIONS, contentId: 'queue-rotation', keys: replay });
  t.same(treeDifferences(local, queued), [], 'every file byte-identical to the local run with the same key sets');
  const keys = [...new Set([...got.values()].flatMap((s) => s.keys.map((k) => k.key.toString('hex'))))];
  t.equal(keys.length, 2 * PERIODS, 'a video and an audio key per period (the default contract)');
  for (const w of workers) w.proc.kill('SIGTERM');
  for (const w of workers) t.equal((await exitOf(w.proc, 'worker')).code, 0);
});
