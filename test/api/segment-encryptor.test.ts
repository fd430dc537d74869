import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSegmentEncryptor, type KeySet } from '../../src/index.js';
import { parseSidx, topLevelBoxes } from '../../src/isobmff/index.js';
import { framemd5Pipe } from './ffmpeg-pipe.js';

const dash = fileURLToPath(new URL('../../samples/dash-shaka/video/', import.meta.url));
const KEY = 'ffeeddccbbaa99887766554433221100';
const keys: KeySet = { keys: [{ kid: Buffer.from('00112233445566778899aabbccddeeff', 'hex'), key: Buffer.from(KEY, 'hex') }], drm: [] };

t.test('DASH segments (styp + sidx + moof + mdat), encrypted concurrently on a pool', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-seg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const names = readdirSync(dash).filter((f) => f.endsWith('.m4s')).sort((a, b) => parseInt(a) - parseInt(b));
  t.ok(names.length >= 3);
  const init = readFileSync(join(dash, 'init.mp4'));
  const segs = names.map((n) => readFileSync(join(dash, n)));
  const enc = createSegmentEncryptor({ init, scheme: 'cbcs', keys, poolSize: 2 });
  t.teardown(() => enc.close());
  const out = await Promise.all(segs.map((s, i) => enc.encryptSegment(s, i + 1)));
  for (const [i, o] of out.entries()) {
    const boxes = topLevelBoxes(o);
    t.same(boxes.map((b) => b.type), topLevelBoxes(segs[i]!).map((b) => b.type), `segment ${i + 1}: same top-level boxes`);
    const sidxBox = boxes.find((b) => b.type === 'sidx');
    if (sidxBox) {
      const sidx = parseSidx(o, sidxBox);
      const moof = boxes.find((b) => b.type === 'moof')!;
      t.equal(sidx.refs[0]!.start, moof.start, 'sidx points at the moof');
      t.equal(sidx.refs.reduce((n, r) => n + r.size, 0), o.length - moof.start, 'and its sizes cover the grown fragment');
    }
  }
  const clearFile = join(dir, 'clear.mp4');
  const encFile = join(dir, 'enc.mp4');
  writeFileSync(clearFile, Buffer.concat([init, ...segs]));
  writeFileSync(encFile, Buffer.concat([enc.encryptInit(), ...out]));
  t.same((await framemd5Pipe(encFile, 'v', KEY)).digests, (await framemd5Pipe(clearFile, 'v')).digests, 'init + segments decrypt to the clear frames');
  const again = await enc.encryptSegment(segs[1]!, 2);
  t.ok(again.equals(out[1]!), 'the same segment and sequence number give the same bytes (cbcs: constant IV)');
});

t.test('per-sample IVs depend on the sequence number, so segments can be encrypted in any order', async (t) => {
  const init = readFileSync(join(dash, 'init.mp4'));
  const seg = readFileSync(join(dash, '1.m4s'));
  const enc = createSegmentEncryptor({ init, scheme: 'cenc', keys, iv: Buffer.from('0102030405060708', 'hex') });
  t.teardown(() => enc.close());
  const a = await enc.encryptSegment(seg, 7);
  const b = await enc.encryptSegment(seg, 8);
  const a2 = await enc.encryptSegment(seg, 7);
  t.ok(a.equals(a2), 'deterministic');
  t.notOk(a.equals(b), 'another sequence number gives other IVs (no keystream reuse between segments)');
  t.throws(() => createSegmentEncryptor({ init, scheme: 'sample-aes', keys }), { code: 'ERR_SCHEME' });
  t.throws(() => createSegmentEncryptor({ init: seg, scheme: 'cenc', keys }), { code: 'ERR_NO_MOOV' });
});

t.test('streamIndex keeps two encryptors with the same key and base IV apart', async (t) => {
  const init = readFileSync(join(dash, 'init.mp4'));
  const seg = readFileSync(join(dash, '1.m4s'));
  const iv = Buffer.from('0102030405060708', 'hex');
  const a = createSegmentEncryptor({ init, scheme: 'cenc', keys, iv });
  const b = createSegmentEncryptor({ init, scheme: 'cenc', keys, iv, streamIndex: 1 });
  t.teardown(async () => { await a.close(); await b.close(); });
  t.notOk((await a.encryptSegment(seg, 1)).equals(await b.encryptSegment(seg, 1)), 'different IVs, different bytes');
  t.throws(() => createSegmentEncryptor({ init, scheme: 'cenc', keys, streamIndex: 256 }), { code: 'ERR_STREAM_INDEX' });
});

t.test('a malformed pssh from the key provider is a KeyError', async (t) => {
  const init = readFileSync(join(dash, 'init.mp4'));
  const bad: KeySet = { ...keys, drm: [{ systemId: '1077efec-c0b2-4d02-ace3-3c1e52e2fb4b', kid: keys.keys[0]!.kid, pssh: Buffer.from('not a box at all, just some text') }] };
  t.throws(() => createSegmentEncryptor({ init, scheme: 'cenc', keys: bad }), { code: 'ERR_PSSH_FORMAT', category: 'key' });
});

t.test('encryptSegmentParts: the same bytes as parts; a handed-over buffer is encrypted without a copy', async (t) => {
  const init = readFileSync(join(dash, 'init.mp4'));
  const seg = readFileSync(join(dash, readdirSync(dash).filter((f) => f.endsWith('.m4s')).sort((a, b) => parseInt(a) - parseInt(b))[1]!));
  for (const poolSize of [0, 2]) {
    const enc = createSegmentEncryptor({ init, scheme: 'cenc', keys, poolSize, iv: Buffer.alloc(8, 7) });
    const whole = await enc.encryptSegment(seg, 5);
    t.ok(Buffer.concat(await enc.encryptSegmentParts(seg, 5)).equals(whole), `pool ${poolSize}: parts join to encryptSegment's bytes`);
    // Handed over: a buffer at the start of a longer ArrayBuffer of its own (as a reused read buffer is).
    const mine = Buffer.from(new ArrayBuffer(seg.length + 4096), 0, seg.length);
    seg.copy(mine);
    const parts = await enc.encryptSegmentParts(mine, 5, { handOver: true });
    t.ok(Buffer.concat(parts).equals(whole), `pool ${poolSize}: handed over, the same bytes`);
    if (poolSize === 0) t.ok(parts.some((p) => p.buffer === mine.buffer), 'in-thread: the media data is encrypted inside the handed-over buffer');
    else t.equal(mine.buffer.byteLength, 0, 'on a pool: the handed-over ArrayBuffer moved to the worker');
    await t.rejects(enc.encryptSegmentParts(Buffer.from(seg).subarray(1), 5, { handOver: true }), { code: 'ERR_OPTIONS' }, 'a view into the middle of a buffer cannot be handed over');
    await enc.close();
  }
});
