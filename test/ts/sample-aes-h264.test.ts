import t from 'tap';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  avcEncryptedBlockOffsets, decryptAvcElementaryStream, encryptAvcElementaryStream, escapeInto, unescapeNal,
} from '../../src/ts/sample-aes-h264.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const wrongKey = Buffer.from('ffffffffffffffffffffffffffffffff', 'hex');

/** A NAL unit of `type` and `length` bytes, escaped, with no start-code emulation in its payload. */
function nal(type: number, length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  b[0] = 0x60 | type;
  let x = seed;
  for (let i = 1; i < length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; b[i] = (x >> 16) & 0xff | 0x10; }
  return b;
}
const sc = Buffer.from([0, 0, 0, 1]);

t.test('Listing 2-1 block positions: 32 clear, then 1 block in 10, only while more than 16 bytes remain', async (t) => {
  t.same(avcEncryptedBlockOffsets(48), [], '48 bytes or fewer: all clear');
  t.same(avcEncryptedBlockOffsets(49), [32]);
  t.same(avcEncryptedBlockOffsets(208), [32], 'exactly 16 left after the skip: not encrypted');
  t.same(avcEncryptedBlockOffsets(209), [32, 192]);
  t.same(avcEncryptedBlockOffsets(1000), [32, 192, 352, 512, 672, 832]);
});

t.test('slices are encrypted at the listed blocks, CBC chained within the NAL, IV reset per NAL', async (t) => {
  const a = nal(5, 400, 7);
  const es = Buffer.concat([sc, nal(9, 2), sc, nal(7, 60), sc, a, Buffer.from([0, 0, 1]), a]);
  const enc = encryptAvcElementaryStream(es, key, iv, 'test');
  t.equal(enc.length, es.length, 'no emulation prevention needed here');
  const off = 4 + 2 + 4 + 60 + 4;
  t.same(enc.subarray(0, off + 32), es.subarray(0, off + 32), 'AUD, SPS and the slice leader stay clear');
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const expected = c.update(Buffer.concat([a.subarray(32, 48), a.subarray(192, 208), a.subarray(352, 368)]));
  t.same(Buffer.concat([enc.subarray(off + 32, off + 48), enc.subarray(off + 192, off + 208), enc.subarray(off + 352, off + 368)]), expected);
  t.same(enc.subarray(off + 48, off + 192), a.subarray(48, 192), '144 clear bytes between blocks');
  const second = off + 400 + 3;
  t.same(enc.subarray(second, second + 400), enc.subarray(off, off + 400), 'same NAL, same ciphertext: the IV is reset per NAL unit');
  t.same(decryptAvcElementaryStream(enc, key, iv), es);
  t.not(decryptAvcElementaryStream(enc, wrongKey, iv).equals(es), true, 'a wrong key does not give the clear stream back');
});

t.test('non-slice NAL units and slices of 48 bytes or fewer stay clear', async (t) => {
  const es = Buffer.concat([sc, nal(6, 300), sc, nal(1, 48), sc, nal(8, 100)]);
  t.same(encryptAvcElementaryStream(es, key, iv, 'test'), es);
});

t.test('emulation prevention: ciphertext is escaped, existing EPBs survive, decryptors that strip EPBs get the clear NAL back', async (t) => {
  // Choose the ciphertext of the first protected block (00 00 00 01 ... 00 00 03 ... ending 00 00) and derive
  // its plaintext: P = D(C) xor IV for the first block of the chain.
  const wanted = Buffer.from('00000001aa0000035500bb0000020000', 'hex');
  const d = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const plain = d.update(wanted);
  for (let i = 0; i < 16; i++) plain[i] ^= iv[i];
  const s = nal(1, 60, 3);
  plain.copy(s, 32);
  s[48] = 0x02; // the byte after the block is clear and <= 3: the trailing 00 00 of the ciphertext needs escaping too
  s[10] = 0; s[11] = 0; s[12] = 3; s[13] = 1; // an original emulation prevention byte in the clear leader
  for (let i = 1; i + 2 < s.length; i++) {
    if (s[i] === 0 && s[i + 1] === 0) t.equal(s[i + 2], 3, 'the clear NAL itself is properly escaped');
  }
  const es = Buffer.concat([sc, s]);
  const enc = encryptAvcElementaryStream(es, key, iv, 'test');
  const encrypted = Buffer.from(s);
  wanted.copy(encrypted, 32);
  t.equal(enc.length, es.length + 5, 'four escapes in the ciphertext, one re-escape of the original EPB');
  for (let i = 4; i + 2 < enc.length; i++) {
    if (enc[i] === 0 && enc[i + 1] === 0) t.equal(enc[i + 2], 3, `no start code emulation at ${i}`);
  }
  t.same(unescapeNal(enc.subarray(4)), encrypted, 'stripping EPBs gives exactly the encrypted NAL');
  t.same(decryptAvcElementaryStream(enc, key, iv), es, 'and decrypting it gives the original escaped NAL');
});

t.test('escapeInto and unescapeNal are inverse, also over existing 00 00 03', async (t) => {
  const src = Buffer.from([0x41, 0, 0, 0, 0, 0, 3, 1, 0, 0, 2, 0, 0, 3, 3, 0xff, 0, 0]);
  const out = Buffer.alloc(64);
  const n = escapeInto(src, 0, src.length, out, 0);
  t.same(unescapeNal(out.subarray(0, n)), src);
});

t.test('a PES payload that does not start with a start code is refused', async (t) => {
  t.throws(() => encryptAvcElementaryStream(Buffer.from([0x65, 1, 2, 3]), key, iv, 'PID 0x100 PES at packet 7'),
    { code: 'ERR_TS_NAL_SPLIT', message: /PID 0x100 PES at packet 7/ });
});
