import t from 'tap';
import { createCipheriv, randomBytes } from 'node:crypto';
import { cbcEncryptChains, type BlockChain } from '../../src/ts/cbc-chains.js';
import { packetizePes } from '../../src/ts/pes-packetizer.js';

const key = randomBytes(16);
const iv = randomBytes(16);

t.test('batched chains equal one node CBC cipher per chain (contiguous and strided, mixed buffers)', async (t) => {
  const a = randomBytes(4000), b = randomBytes(3000);
  const chains: BlockChain[] = [
    { buf: a, start: 7, stride: 16, count: 20 }, { buf: a, start: 400, stride: 16, count: 1 }, { buf: a, start: 500, stride: 160, count: 9 },
    { buf: b, start: 33, stride: 160, count: 3 }, { buf: b, start: 1000, stride: 16, count: 50 }, { buf: a, start: 2000, stride: 160, count: 0 },
    { buf: a, start: 3000, stride: 160, count: 1 },
  ];
  const expected = chains.map((c) => {
    const blocks = Buffer.concat(Array.from({ length: c.count }, (_, k) => c.buf.subarray(c.start + k * c.stride, c.start + k * c.stride + 16)));
    return createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(blocks);
  });
  cbcEncryptChains(chains, key, iv);
  chains.forEach((c, i) => {
    const got = Buffer.concat(Array.from({ length: c.count }, (_, k) => c.buf.subarray(c.start + k * c.stride, c.start + k * c.stride + 16)));
    t.same(got, expected[i], `chain ${i} (${c.count} blocks, stride ${c.stride})`);
  });
});

t.test('a grown PES is spread over packets: PCR kept on its packet, stuffing at the end', async (t) => {
  const pid = 0x100;
  const src = Buffer.alloc(188 * 3, 0xaa);
  for (let i = 0; i < 3; i++) {
    const o = i * 188;
    src[o] = 0x47; src[o + 1] = (i === 0 ? 0x40 : 0) | (pid >> 8); src[o + 2] = pid & 0xff; src[o + 3] = (i === 0 ? 0x30 : 0x10) | ((5 + i) & 15);
  }
  src[4] = 7; src[5] = 0x50; src.set([1, 2, 3, 4, 5, 6], 6); // adaptation field: random access + PCR
  const pes = randomBytes(176 + 184 * 2 + 200); // 200 bytes more than the three packets held
  const out = packetizePes(src, [0, 188, 376], pes);
  t.equal(out.length, 5);
  t.ok(out.every((p) => p.length === 188 && p[0] === 0x47));
  t.same(out[0]!.subarray(4, 12), src.subarray(4, 12), 'adaptation field with PCR on the first packet unchanged');
  t.ok((out[0]![1]! & 0x40) !== 0 && out.slice(1).every((p) => (p[1]! & 0x40) === 0), 'payload_unit_start only on the first');
  const payloads = out.map((p) => p.subarray((p[3]! & 0x20) ? 5 + p[4]! : 4));
  t.same(Buffer.concat(payloads), pes, 'payloads carry exactly the new PES');
  const last = out[4]!;
  t.ok((last[3]! & 0x20) !== 0 && last[5] === 0 && last[6] === 0xff, 'last packet padded by adaptation-field stuffing');
});
