/**
 * The golden checks can fail: plausible engine bugs, planted into a correct encryptFile output,
 * must each be caught by the check meant for them (structure via mp4box.js, frames via ffmpeg).
 */
import t from 'tap';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { SAMPLE_MEDIA, TEST_KEYS, testIv } from '../oracles/matrix.js';
import { scratchDir } from '../oracles/scratch-dir.js';

/** Offset of the first child box `type` inside the box at [start, end), or -1. */
function childAt(buf: Buffer, start: number, end: number, type: string): number {
  for (let o = start; o + 8 <= end; o += buf.readUInt32BE(o)) {
    if (buf.toString('latin1', o + 4, o + 8) === type) return o;
    if (buf.readUInt32BE(o) < 8) break;
  }
  return -1;
}

function firstTrafBox(buf: Buffer, type: string): number {
  const moof = childAt(buf, 0, buf.length, 'moof');
  const traf = childAt(buf, moof + 8, moof + buf.readUInt32BE(moof), 'traf');
  return childAt(buf, traf + 8, traf + buf.readUInt32BE(traf), type);
}

t.test('planted bugs are caught', async (t) => {
  const dir = scratchDir(t);
  const media = SAMPLE_MEDIA.find((m) => m.name === 'avc')!;
  const good = path.join(dir, 'good.mp4');
  await encryptFile(media.file, good, { scheme: 'cenc', keys: new StaticKeys([TEST_KEYS.video]), iv: testIv('cenc') });
  const bytes = await readFile(good);
  const key = TEST_KEYS.video.key;
  const clear = frameDigests(await framemd5(media.file, { stream: 'video', seconds: 1 }));
  t.same(frameDigests(await framemd5(good, { stream: 'video', decryptionKey: key, seconds: 1 })), clear, 'unmutated output decrypts (control)');

  const mutant = async (name: string, mutate: (b: Buffer) => void): Promise<string> => {
    const b = Buffer.from(bytes);
    mutate(b);
    const file = path.join(dir, `${name}.mp4`);
    await writeFile(file, b);
    return file;
  };

  // saio one IV too far: readers that follow saio (players, seekable demuxers) read garbage.
  const saioOff = await mutant('saio', (b) => { const o = firstTrafBox(b, 'saio'); b.writeUInt32BE(b.readUInt32BE(o + 16) + 8, o + 16); });
  const r1 = await protectionReport(saioOff);
  t.equal(r1.fragments[0]?.saioPointsIntoSenc, false, 'saio not pointing at the first IV: structure check fails');

  // trun.data_offset not moved after the moof grew.
  const trunOff = await mutant('trun', (b) => { const o = firstTrafBox(b, 'trun'); b.writeInt32BE(b.readInt32BE(o + 16) - 800, o + 16); });
  t.equal((await protectionReport(trunOff)).fragments[0]?.trunDataInMdat, false, 'stale trun.data_offset: structure check fails');

  // A wrong IV for the first sample (an IV bookkeeping bug).
  const badIv = await mutant('iv', (b) => { const o = firstTrafBox(b, 'senc'); b[o + 16 + 7] ^= 0x01; });
  const f1 = await framemd5Lenient(badIv, { stream: 'video', decryptionKey: key, seconds: 1 });
  t.notSame(frameDigests(f1.frames), clear, 'first sample IV off by one bit: decrypted frames differ');

  // Subsample boundary off by one block (clear +16, protected -16): a subsample-map bug.
  const badMap = await mutant('map', (b) => {
    const o = firstTrafBox(b, 'senc') + 16 + 8 + 2; // first sample: after count, IV (8), subsample count
    b.writeUInt16BE(b.readUInt16BE(o) + 16, o);
    b.writeUInt32BE(b.readUInt32BE(o + 2) - 16, o + 2);
  });
  const f2 = await framemd5Lenient(badMap, { stream: 'video', decryptionKey: key, seconds: 1 });
  t.notSame(frameDigests(f2.frames), clear, 'subsample map shifted by one block: decrypted frames differ');
});
