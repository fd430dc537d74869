import t from 'tap';
import { createCipheriv, randomBytes } from 'node:crypto';
import { cbcEncryptChains, type BlockChain } from '../../src/ts/cbc-chains.js';
import { packetizePes, packetizePesFrom, packetizePesInPlace, unchangedPrefix } from '../../src/ts/pes-packetizer.js';

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

t.test('re-packetizing a grown PES from its first changed packet gives the bytes of re-packetizing it all', async (t) => {
  const pid = 0x100;
  // Six packets: PCR on the first, a stuffed adaptation field in the third (its payload is short of
  // the room the packetizer gives: the unchanged prefix ends there at the latest), stuffing on the last.
  const src = Buffer.alloc(188 * 6);
  const afLength = [7, 0, 10, 0, 0, 30];
  const offs = [0, 188, 376, 564, 752, 940];
  const payloads: number[] = [];
  for (let i = 0; i < 6; i++) {
    const o = offs[i]!;
    src[o] = 0x47; src[o + 1] = (i === 0 ? 0x40 : 0) | (pid >> 8); src[o + 2] = pid & 0xff;
    src[o + 3] = (afLength[i] ? 0x30 : 0x10) | i;
    let p = o + 4;
    if (afLength[i]) {
      src[o + 4] = afLength[i]!;
      src[o + 5] = i === 0 ? 0x50 : 0;
      src.fill(0xff, o + 6, o + 5 + afLength[i]!);
      if (i === 0) src.set([1, 2, 3, 4, 5, 6], o + 6);
      p = o + 5 + afLength[i]!;
    }
    payloads.push(p);
    randomBytes(o + 188 - p).copy(src, p);
  }
  const old = Buffer.concat(offs.map((o, i) => src.subarray(payloads[i]!, o + 188)));
  const packets = { bufs: offs.map(() => src), offs, payloads, n: 6 };
  const grow = (at: number) => Buffer.concat([old.subarray(0, at), Buffer.from([3]), old.subarray(at)]);
  for (const at of [0, 100, 175, 176, 300, 360, 600, old.length - 1, old.length]) {
    const pes = grow(at);
    const full = packetizePesFrom(packets, pes);
    const from = unchangedPrefix(packets, old, pes);
    const kept = Buffer.concat(offs.slice(0, from.packets).map((o) => src.subarray(o, o + 188)));
    t.same(Buffer.concat([kept, packetizePesFrom(packets, pes, from.packets, from.pos)]), full, `insert at ${at}: ${from.packets} packets kept`);
    // Written over the original packets instead, the last one replaced by what comes back: same bytes.
    const copy = Buffer.from(src);
    const inPlace = { bufs: offs.map(() => copy), offs, payloads, n: 6 };
    const rest = packetizePesInPlace(inPlace, pes.subarray(from.pos), from.packets);
    t.ok(rest, 'one new packet per original one up to the last');
    t.same(Buffer.concat([copy.subarray(0, 188 * 5), rest!]), full, `insert at ${at}: packets ${from.packets}-4 rewritten where they are`);
  }
  t.equal(packetizePesInPlace(packets, old.subarray(0, 400), 0), undefined, 'a payload that runs out before the last packet is not written in place');
  t.equal(unchangedPrefix(packets, old, grow(600)).packets, 2, 'the prefix stops at the packet whose payload is short of its room');
  t.equal(unchangedPrefix(packets, old, grow(100)).packets, 0, 'and at the packet holding the first changed byte');
  const mutated = Buffer.from(old);
  mutated[200]! ^= 1; // a change in the second packet, insert in the fourth
  t.equal(unchangedPrefix(packets, old, Buffer.concat([mutated.subarray(0, 700), Buffer.from([3]), mutated.subarray(700)])).packets, 1, 'a changed byte before the insert ends the prefix too');
});
