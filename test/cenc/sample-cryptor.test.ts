import t from 'tap';
import { createDecipheriv } from 'node:crypto';
import { patternCryptBytes, patternSpans, SampleEncryptor, SpanList, type SampleCryptoParams } from '../../src/cenc/index.js';

const key = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const iv = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const params = (scheme: SampleCryptoParams['scheme'], crypt = 0, skip = 0): SampleCryptoParams => ({ scheme, key, cryptByteBlock: crypt, skipByteBlock: skip });
const sample = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

function decrypt(alg: 'aes-128-ctr' | 'aes-128-cbc', data: Buffer, k = key, v = iv): Buffer {
  const d = createDecipheriv(alg, k, v);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

t.test('patternCryptBytes (a cbcs chain\'s length) equals the bytes patternSpans selects, for every length up to 1,000', async (t) => {
  const s = new SpanList();
  const differing: string[] = [];
  for (const [crypt, skip] of [[0, 0], [1, 9], [1, 0], [2, 3], [5, 5]] as const) {
    for (let length = 0; length <= 1000; length++) {
      s.reset();
      patternSpans(s, 3, length, crypt, skip, true);
      if (patternCryptBytes(length, crypt, skip) !== s.total) differing.push(`${crypt}:${skip} length ${length}`);
    }
  }
  t.same(differing, []);
  t.equal(patternCryptBytes(330, 1, 9), 32, 'two whole crypt blocks of 1:9 in 330 bytes');
  t.equal(patternCryptBytes(168, 1, 9), 16, 'a crypt slot of 8 bytes at the end stays clear');
});

t.test('pattern spans: 1:9 takes one whole block in ten, a partial crypt block stays clear', async (t) => {
  const s = new SpanList(2);
  patternSpans(s, 100, 330, 1, 9, true);
  t.same([...s.offsets.subarray(0, s.count)], [100, 260]);
  t.same([...s.lengths.subarray(0, s.count)], [16, 16]);
  s.reset();
  patternSpans(s, 0, 168, 1, 9, true); // second crypt slot holds 8 bytes: clear
  t.equal(s.count, 1);
  s.reset();
  patternSpans(s, 0, 40, 0, 0, true);
  t.same([s.count, s.total], [1, 32], '0:0 = whole blocks of the range');
  s.reset();
  patternSpans(s, 0, 40, 0, 0, false);
  t.equal(s.total, 40, 'CTR full sample keeps the partial block');
});

t.test('cenc: the counter continues across the protected ranges of a sample', async (t) => {
  const clear = sample(200);
  const buf = Buffer.from(clear);
  const subs = [10, 64, 30, 96];
  new SampleEncryptor().encrypt(buf, 0, 200, subs, 0, 2, params('cenc'), iv);
  t.same(buf.subarray(0, 10), clear.subarray(0, 10), 'clear bytes untouched');
  t.same(buf.subarray(74, 104), clear.subarray(74, 104), 'clear bytes untouched');
  const protectedBytes = Buffer.concat([buf.subarray(10, 74), buf.subarray(104, 200)]);
  t.same(decrypt('aes-128-ctr', protectedBytes), Buffer.concat([clear.subarray(10, 74), clear.subarray(104, 200)]), 'one CTR stream over both ranges');
  const separate = decrypt('aes-128-ctr', buf.subarray(104, 200));
  t.not(separate.toString('hex'), clear.subarray(104, 200).toString('hex'), 'a counter restarted per range would not decrypt (negative twin)');
});

t.test('cenc full-sample (audio) encrypts the trailing partial block; cens leaves it clear', async (t) => {
  const clear = sample(45);
  const a = Buffer.from(clear);
  new SampleEncryptor().encrypt(a, 0, 45, null, 0, 0, params('cenc'), iv);
  t.same(decrypt('aes-128-ctr', a), clear);
  const b = Buffer.from(clear);
  new SampleEncryptor().encrypt(b, 0, 45, null, 0, 0, params('cens'), iv);
  t.same(b.subarray(32), clear.subarray(32), 'cens: trailing 13 bytes clear');
  t.same(decrypt('aes-128-ctr', b.subarray(0, 32)), clear.subarray(0, 32));
});

t.test('cbcs 1:9: crypt blocks gathered per subsample, chain reset to the IV at each subsample', async (t) => {
  const one = sample(180);
  const clear = Buffer.concat([Buffer.alloc(5, 9), one, Buffer.alloc(5, 9), one]);
  const buf = Buffer.from(clear);
  const subs = [5, 180, 5, 180];
  new SampleEncryptor().encrypt(buf, 0, clear.length, subs, 0, 2, params('cbcs', 1, 9), iv);
  t.same(buf.subarray(5, 185), buf.subarray(190, 370), 'identical subsamples encrypt identically: the chain restarts');
  t.same(buf.subarray(21, 165), clear.subarray(21, 165), 'skipped blocks stay clear');
  t.same(buf.subarray(181, 185), clear.subarray(181, 185), 'partial trailing block clear');
  const crypt = Buffer.concat([buf.subarray(5, 21), buf.subarray(165, 181)]);
  t.same(decrypt('aes-128-cbc', crypt), Buffer.concat([clear.subarray(5, 21), clear.subarray(165, 181)]), 'the crypt blocks of a subsample form one CBC chain');
  t.not(buf.subarray(5, 21).toString('hex'), clear.subarray(5, 21).toString('hex'));
});

t.test('cbc1: one chain over all protected ranges of a sample', async (t) => {
  const one = sample(64);
  const clear = Buffer.concat([Buffer.alloc(3), one, Buffer.alloc(3), one]);
  const buf = Buffer.from(clear);
  new SampleEncryptor().encrypt(buf, 0, clear.length, [3, 64, 3, 64], 0, 2, params('cbc1'), iv);
  t.not(buf.subarray(3, 67).toString('hex'), buf.subarray(70, 134).toString('hex'), 'the chain continues into the second range');
  t.same(decrypt('aes-128-cbc', Buffer.concat([buf.subarray(3, 67), buf.subarray(70, 134)])), Buffer.concat([one, one]));
});

t.test('cens video: CTR over the pattern blocks, counter continuing across subsamples', async (t) => {
  const clear = sample(400);
  const buf = Buffer.from(clear);
  new SampleEncryptor().encrypt(buf, 0, 400, [8, 192, 8, 192], 0, 2, params('cens', 1, 9), iv);
  const spans = [[8, 24], [168, 184], [208, 224], [368, 384]];
  const enc = Buffer.concat(spans.map(([a, b]) => buf.subarray(a, b)));
  t.same(decrypt('aes-128-ctr', enc), Buffer.concat(spans.map(([a, b]) => clear.subarray(a, b))));
  t.same(buf.subarray(24, 168), clear.subarray(24, 168));
});

t.test('a wrong key does not decrypt (negative twin)', async (t) => {
  const clear = sample(64);
  const buf = Buffer.from(clear);
  new SampleEncryptor().encrypt(buf, 0, 64, null, 0, 0, params('cenc'), iv);
  t.not(decrypt('aes-128-ctr', buf, Buffer.alloc(16, 1)).toString('hex'), clear.toString('hex'));
});

/** The crypt blocks (1:9) of buf[start, start+length), concatenated. */
function cryptBlocks(buf: Buffer, start: number, length: number): Buffer {
  const parts: Buffer[] = [];
  for (let o = 0; o + 16 <= length; o += 160) parts.push(buf.subarray(start + o, start + o + 16));
  return Buffer.concat(parts);
}

t.test('cbcs: chains of one encryptor (samples, IVs, keys, audio and video) each decrypt from their own IV', async (t) => {
  const key2 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const iv2 = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex');
  // Video subsamples long enough that a chain spans several cipher calls (> 64 KiB gathered), short ones, and audio.
  const big = 1_000_000;
  const clear = sample(big + 2000);
  const buf = Buffer.from(clear);
  const enc = new SampleEncryptor();
  const video = { ...params('cbcs', 1, 9) };
  const audio = { scheme: 'cbcs' as const, key: key2, cryptByteBlock: 0, skipByteBlock: 0 };
  enc.encrypt(buf, 0, big, [10, big - 10], 0, 1, video, iv);
  enc.encrypt(buf, big, big + 500, null, 0, 0, audio, iv2);
  enc.encrypt(buf, big + 500, big + 2000, [4, 996, 20, 480], 0, 2, video, iv2);
  t.same(decrypt('aes-128-cbc', cryptBlocks(buf, 10, big - 10)), cryptBlocks(clear, 10, big - 10), 'long video chain from iv');
  t.same(decrypt('aes-128-cbc', buf.subarray(big, big + 496), key2, iv2), clear.subarray(big, big + 496), 'audio: whole blocks under its own key and IV');
  t.same(buf.subarray(big + 496, big + 500), clear.subarray(big + 496, big + 500), 'audio partial block clear');
  t.same(decrypt('aes-128-cbc', cryptBlocks(buf, big + 504, 996), key, iv2), cryptBlocks(clear, big + 504, 996), 'next sample, first subsample, from its IV');
  t.same(decrypt('aes-128-cbc', cryptBlocks(buf, big + 1520, 480), key, iv2), cryptBlocks(clear, big + 1520, 480), 'second subsample restarts from the IV');
  t.not(decrypt('aes-128-cbc', cryptBlocks(buf, big + 1520, 480), key, iv).toString('hex'), cryptBlocks(clear, big + 1520, 480).toString('hex'), 'the other IV does not decrypt it (negative twin)');
});

t.test('cenc: a sample longer than one cipher call decrypts as one CTR stream', async (t) => {
  const clear = sample(300_001);
  const buf = Buffer.from(clear);
  new SampleEncryptor().encrypt(buf, 0, clear.length, [1, 300_000], 0, 1, params('cenc'), iv);
  t.same(decrypt('aes-128-ctr', buf.subarray(1)), clear.subarray(1));
  t.equal(buf[0], clear[0]);
});

t.test('cbcs: strided chains at every 4-byte alignment and with runs of several blocks decrypt from the IV', async (t) => {
  // The gather/scatter takes 32-bit element moves on 4-byte aligned ranges and DataView moves
  // otherwise, one unrolled block per stride for 1:9: each path against a fresh CBC decipher.
  const area = Buffer.from(new ArrayBuffer(4096 + 8), 0, 4096 + 8); // byteOffset 0: `at` sets the alignment
  const failures: string[] = [];
  for (const [crypt, skip] of [[1, 9], [2, 3], [5, 5]] as const) {
    const stride = (crypt + skip) * 16;
    for (const at of [0, 1, 2, 3, 4]) {
      const length = 5 * stride + 40; // five whole strides and a cut-short sixth
      const clear = sample(length + at + 8);
      clear.copy(area);
      new SampleEncryptor().encrypt(area, 0, at + length + 8, [at, length, 8, 0], 0, 2, params('cbcs', crypt, skip), iv);
      const runs = (b: Buffer) => Buffer.concat(Array.from({ length: 6 }, (_, i) => {
        const o = at + i * stride;
        const n = Math.min(crypt * 16, at + length - o);
        return b.subarray(o, o + n - (n % 16));
      }));
      const name = `${crypt}:${skip} at +${at}`;
      if (!decrypt('aes-128-cbc', runs(area)).equals(runs(clear))) failures.push(`${name}: crypt runs`);
      for (let i = 0; i < 6; i++) {
        const o = at + i * stride + crypt * 16;
        const e = Math.min(at + (i + 1) * stride, at + length);
        if (o < e && !area.subarray(o, e).equals(clear.subarray(o, e))) failures.push(`${name}: skip ${i} changed`);
      }
      if (runs(area).equals(runs(clear))) failures.push(`${name}: nothing encrypted`);
      if (decrypt('aes-128-cbc', runs(area), key, Buffer.alloc(16)).equals(runs(clear))) failures.push(`${name}: a zero IV decrypts it (negative twin)`);
    }
  }
  t.same(failures, []);
});
