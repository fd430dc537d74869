import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptFile, type KeySet } from '../../src/index.js';
import { childBoxes, requireChild, topLevelBoxes } from '../../src/isobmff/index.js';
import { framemd5Pipe, framemd5PipeLenient } from './ffmpeg-pipe.js';

const sample = (name: string) => fileURLToPath(new URL(`../../samples/media/${name}`, import.meta.url));
const KEY = 'ffeeddccbbaa99887766554433221100';
const keys: KeySet = { keys: [{ kid: Buffer.from('00112233445566778899aabbccddeeff', 'hex'), key: Buffer.from(KEY, 'hex') }], drm: [] };

t.test('clear lead: the first fragment stays clear and points at a clear sample entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-lead-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'lead.mp4');
  await encryptFile(sample('avc.mp4'), out, { scheme: 'cbcs', keys, clearLead: 2, poolSize: 0 });
  const buf = readFileSync(out);
  const input = readFileSync(sample('avc.mp4'));
  const top = topLevelBoxes(buf);
  const moov = top.find((b) => b.type === 'moov')!;
  const trak = requireChild(buf, moov, 'trak');
  const stsd = requireChild(buf, requireChild(buf, requireChild(buf, requireChild(buf, trak, 'mdia'), 'minf'), 'stbl'), 'stsd');
  t.equal(buf.readUInt32BE(stsd.bodyStart + 4), 2, 'stsd holds two entries');
  t.same(childBoxes(buf, stsd, stsd.bodyStart + 8).map((b) => b.type), ['encv', 'avc1'], 'protected entry, then the clear copy');

  const moofs = top.filter((b) => b.type === 'moof');
  const mdats = top.filter((b) => b.type === 'mdat');
  const inMdats = topLevelBoxes(input).filter((b) => b.type === 'mdat');
  t.equal(moofs.length, 3);
  const trafKids = (m: typeof moofs[0]) => childBoxes(buf, requireChild(buf, m, 'traf'));
  const sdi = (m: typeof moofs[0]) => { const h = trafKids(m).find((b) => b.type === 'tfhd')!; return buf.readUInt32BE(h.bodyStart + 8); };
  t.equal(sdi(moofs[0]!), 2, 'fragment 1 (0 s) uses the clear entry');
  t.notOk(trafKids(moofs[0]!).some((b) => b.type === 'senc'), 'and has no senc');
  t.ok(buf.subarray(mdats[0]!.start, mdats[0]!.end).equals(input.subarray(inMdats[0]!.start, inMdats[0]!.end)), 'its media data is unchanged');
  t.equal(sdi(moofs[1]!), 1, 'fragment 2 (2 s) uses the protected entry');
  t.ok(trafKids(moofs[1]!).some((b) => b.type === 'senc'));
  t.notOk(buf.subarray(mdats[1]!.start, mdats[1]!.end).equals(input.subarray(inMdats[1]!.start, inMdats[1]!.end)), 'its media data is encrypted');

  const clear = await framemd5Pipe(sample('avc.mp4'), 'v');
  t.same((await framemd5Pipe(out, 'v', KEY)).digests, clear.digests, 'ffmpeg decrypts to the clear frames');
  const wrong = await framemd5PipeLenient(out, 'v', 'ffffffffffffffffffffffffffffffff');
  t.same(wrong.digests.slice(0, 50), clear.digests.slice(0, 50), 'the clear lead plays without the key');
  t.not(wrong.digests.slice(50).join(), clear.digests.slice(50).join(), 'the rest needs it');
});

t.test('clearLead must be a non-negative number', async (t) => {
  await t.rejects(encryptFile(sample('avc.mp4'), '/tmp/never.mp4', { scheme: 'cenc', keys, clearLead: -1 }), { code: 'ERR_CLEAR_LEAD' });
});
