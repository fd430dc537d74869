/**
 * The worker pool changes nothing but speed: with a fixed IV the package written with 2 workers
 * is byte-identical to the one written in the calling thread. A package's streams share one pool:
 * its worker threads boot once, not once per stream.
 */
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import type { KeySet } from '../../src/keys/content-key.js';

const keys: KeySet = { keys: [{ kid: Buffer.alloc(16, 0x31), key: Buffer.alloc(16, 0x32) }], drm: [] };
const iv = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

function files(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(dir, path.posix.join(base, e.name)) : [path.posix.join(base, e.name)]).sort();
}

for (const [sample, scheme] of [['dash-shaka', 'cbcs'], ['dash-shaka-single', 'cenc'], ['hls-fmp4', 'cenc'], ['hls-ts', 'sample-aes'], ['hls-ts', 'aes-128']] as const) {
  t.test(`${sample} ${scheme}: poolSize 2 == poolSize 0, byte for byte`, async (t) => {
    const dir = scratchDir(t, 'segcrypt-pool-');
    const opts = { scheme, keys, iv, ...(sample.startsWith('hls') ? { keyUri: 'k' } : {}) };
    await encryptPackage(path.join(SAMPLES, sample), path.join(dir, 'a'), { ...opts, poolSize: 0 });
    await encryptPackage(path.join(SAMPLES, sample), path.join(dir, 'b'), { ...opts, poolSize: 2 });
    const list = files(path.join(dir, 'a'));
    t.same(files(path.join(dir, 'b')), list);
    const differing = list.filter((f) => !readFileSync(path.join(dir, 'a', f)).equals(readFileSync(path.join(dir, 'b', f))));
    t.same(differing, [], 'no file differs');
  });
}

// dash-shaka: an init and segments per stream; dash-shaka-single: one file per rendition (SegmentBase).
for (const sample of ['dash-shaka', 'dash-shaka-single']) {
  t.test(`a package's streams share one pool: poolSize 2 starts 2 worker threads for ${sample}'s 2 streams, not 2 per stream`, async (t) => {
    const dir = scratchDir(t, 'segcrypt-pool-');
    let started = 0;
    const onWorker = () => { started++; };
    subscribe('worker_threads', onWorker); // published by node:worker_threads for every Worker constructed
    try {
      const r = await encryptPackage(path.join(SAMPLES, sample), path.join(dir, 'p'), { scheme: 'cenc', keys, iv, poolSize: 2 });
      t.ok(r.renditions.length >= 2, `the package has more than one stream (${r.renditions.map((x) => x.path).join(', ')})`);
    } finally {
      unsubscribe('worker_threads', onWorker);
    }
    t.equal(started, 2, 'worker threads started');
  });
}

t.test('the pool boots before the keys are fetched, and a key failure still stops its threads', async (t) => {
  const dir = scratchDir(t, 'segcrypt-pool-');
  const exits: Promise<number>[] = [];
  const onWorker = (m: unknown) => { const w = (m as { worker: Worker }).worker; exits.push(new Promise((done) => w.once('exit', done))); };
  subscribe('worker_threads', onWorker);
  const failing = { getKeys: async () => { throw new Error('the key server is down'); } };
  try {
    await t.rejects(encryptPackage(path.join(SAMPLES, 'dash-shaka'), path.join(dir, 'p'), { scheme: 'cenc', keys: failing, poolSize: 2 }), /the key server is down/);
  } finally {
    unsubscribe('worker_threads', onWorker);
  }
  t.equal(exits.length, 2, 'its 2 worker threads had started');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([Promise.all(exits).then(() => true), new Promise<boolean>((done) => { timer = setTimeout(() => done(false), 10_000); })]);
  clearTimeout(timer);
  t.ok(stopped, 'and every one of them exited');
});
