import t from 'tap';
import { readFileSync } from 'node:fs';
import { encryptSampleAesSegment, SampleAesEncryptor } from '../../src/ts/index.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

for (const sample of ['ts/avc-aac.ts', 'ts/avc-ac3.ts']) {
  t.test(`${sample}: any chunking gives the same bytes as one segment`, async (t) => {
    const input = readFileSync(new URL(`../../samples/${sample}`, import.meta.url));
    const whole = encryptSampleAesSegment(input, key, iv);
    for (const size of [7, 1000, 188 * 50 + 3, 1 << 20]) {
      const enc = new SampleAesEncryptor(key, iv);
      const out: Buffer[] = [];
      let early = 0;
      for (let o = 0; o < input.length; o += size) {
        const b = enc.push(input.subarray(o, o + size));
        if (o + size < input.length) early += b.length;
        out.push(b);
      }
      out.push(enc.end());
      t.ok(Buffer.concat(out).equals(whole), `chunks of ${size} bytes`);
      if (size < input.length / 4) t.ok(early > input.length / 2, `chunks of ${size}: output flows before the end (${early} bytes)`);
    }
  });
}

t.test('a stream cut inside a packet is reported at end()', async (t) => {
  const input = readFileSync(new URL('../../samples/ts/avc-aac.ts', import.meta.url));
  const enc = new SampleAesEncryptor(key, iv);
  enc.push(input.subarray(0, 188 * 10 + 50));
  t.throws(() => enc.end(), { code: 'ERR_TS_TRUNCATED', message: /truncated packet 10 at offset 1880: 50 of 188/ });
});
