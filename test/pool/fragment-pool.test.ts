import t from 'tap';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { REPO_ROOT } from '../oracles/run-tool.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FragmentPool, workerPath, type FragmentJob } from '../../src/pool/index.js';
import { MediaError } from '../../src/errors.js';
import { topLevelBoxes, type FragmentTrack } from '../../src/isobmff/index.js';

const file = readFileSync(fileURLToPath(new URL('../../samples/media/avc.mp4', import.meta.url)));
const boxes = topLevelBoxes(file);
const moof = boxes.find((b) => b.type === 'moof')!;
const mdat = boxes.find((b) => b.type === 'mdat' && b.start > moof.start)!;

const track: FragmentTrack = {
  trackId: 1, type: 'video', nal: { codec: 'avc', lengthSize: 4 }, scheme: 'cbcs', key: Buffer.alloc(16, 3),
  cryptByteBlock: 1, skipByteBlock: 9, ivSize: 0, iv: Buffer.alloc(16, 5), ordinal: 0, sliceHeaderClear: 32,
};

function job(bytes: Buffer): FragmentJob {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return { kind: 'fragment', input: own.buffer as ArrayBuffer, tracks: [track], defaultSizes: [], sequence: 0, fileOffset: moof.start };
}

t.test('from the sources, the worker is the built dist/pool/worker.js', async (t) => {
  t.ok(existsSync(workerPath()), 'built (npm test builds first)');
  // From src/*.ts the pool points at dist; from the compiled mirror (scripts/build-tests.mjs) at a link to it.
  t.equal(realpathSync(workerPath()), join(REPO_ROOT, 'dist', 'pool', 'worker.js'));
});

t.test('pool and in-thread give the same bytes; input is transferred, not cloned', async (t) => {
  const pool = new FragmentPool(2);
  t.teardown(() => pool.close());
  const local = new FragmentPool(0);
  const frag = file.subarray(moof.start, mdat.end);
  const j = job(frag);
  const viaPool = await pool.run(j);
  t.equal(j.input.byteLength, 0, 'the job input ArrayBuffer was detached by the transfer');
  const inThread = await local.run(job(frag));
  t.ok(viaPool.equals(inThread), 'byte-identical');
  t.ok(viaPool.length > frag.length);
});

t.test('a worker error arrives as the typed error with its code', async (t) => {
  const pool = new FragmentPool(1);
  t.teardown(() => pool.close());
  const bad = Buffer.from(file.subarray(moof.start, mdat.end));
  bad.write('junk', 4, 'latin1');
  const err = await pool.run(job(bad)).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof MediaError, 'a MediaError instance on the main thread');
  t.equal((err as MediaError).code, 'ERR_BOX_MISSING');
  t.match((err as Error).message, /expected moof at byte \d+, found junk/);
});
