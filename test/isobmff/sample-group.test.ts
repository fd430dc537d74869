/**
 * The seig sample group bytes against Shaka Packager's: its rotated output (raw keys,
 * --crypto_period_duration) has, in each traf, sbgp then sgpd v1 seig with default_length 20;
 * ours for the same KID, pattern and IV size must be the same bytes.
 */
import t from 'tap';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { seigGroupSize, writeSeigGroup } from '../../src/isobmff/sample-group.js';

function trafBoxes(buf: Buffer, type: string): Buffer[] {
  const out: Buffer[] = [];
  const walk = (from: number, to: number) => {
    for (let o = from; o + 8 <= to;) {
      const size = buf.readUInt32BE(o);
      const ty = buf.toString('latin1', o + 4, o + 8);
      if (ty === type) out.push(buf.subarray(o, o + size));
      if (ty === 'moof' || ty === 'traf') walk(o + 8, o + size);
      o += size;
    }
  };
  walk(0, buf.length);
  return out;
}

t.test('sbgp + sgpd seig as Shaka Packager writes them (cenc, 8-byte IVs)', async (t) => {
  const dir = scratchDir(t, 'segcrypt-seig-');
  const out = path.join(dir, 'rot.mp4');
  const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  await runTool(SHAKA_PACKAGER, [`in=${path.join(SAMPLES, 'media', 'avc.mp4')},stream=video,output=${out}`, '--enable_raw_key_encryption',
    '--keys', `label=:key_id=${kid.toString('hex')}:key=0f0e0d0c0b0a09080706050403020100`, '--protection_scheme', 'cenc', '--clear_lead', '0',
    '--crypto_period_duration', '2', '--segment_duration', '2', '--fragment_duration', '2', '--quiet']);
  const file = readFileSync(out);
  const sbgp = trafBoxes(file, 'sbgp')[0]!;
  const sgpd = trafBoxes(file, 'sgpd')[0]!;
  const samples = sbgp.readUInt32BE(20);
  const entry = { kid, cryptByteBlock: 0, skipByteBlock: 0, ivSize: 8 as const };
  const ours = Buffer.alloc(seigGroupSize(entry));
  t.equal(writeSeigGroup(ours, 0, entry, samples), ours.length);
  t.same(ours, Buffer.concat([sbgp, sgpd]), 'same bytes');
});

t.test('cbcs: the constant IV follows the KID, default_length covers it', async (t) => {
  const e = { kid: Buffer.alloc(16, 1), cryptByteBlock: 1, skipByteBlock: 9, ivSize: 0 as const, constantIv: Buffer.alloc(16, 2) };
  const b = Buffer.alloc(seigGroupSize(e));
  writeSeigGroup(b, 0, e, 10);
  const sgpd = b.subarray(28);
  t.equal(sgpd.readUInt32BE(16), 37, 'default_length = 20 + 1 + 16');
  t.equal(sgpd[25], 0x19, 'crypt 1 / skip 9');
  t.equal(sgpd[26], 1, 'isProtected');
  t.equal(sgpd[27], 0, 'Per_Sample_IV_Size 0');
  t.equal(sgpd[44], 16, 'constant_IV_size');
  t.same(sgpd.subarray(45, 61), e.constantIv);
});
