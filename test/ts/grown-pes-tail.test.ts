import t from 'tap';
import { randomBytes } from 'node:crypto';
import { escapeFrom } from '../../src/ts/grown-pes-tail.js';
import { avcNalUnits, escapeProtectedNals } from '../../src/ts/sample-aes-h264.js';

// A payload of three NAL units (IDR, SEI, non-IDR) whose bodies hold 00 00 0x runs, some needing an 0x03.
function payload(): Buffer {
  const nal = (type: number, size: number, pairsAt: number[]) => {
    const body = randomBytes(size);
    for (let i = 0; i < body.length; i++) if (body[i] === 0) body[i] = 0x55; // no stray start codes
    body[0] = type;
    for (const [k, at] of pairsAt.entries()) body.set([0, 0, k % 2 ? 3 : 2], at); // never 00 00 01: a start code
    return Buffer.concat([Buffer.from([0, 0, 0, 1]), body]);
  };
  return Buffer.concat([nal(0x65, 900, [300, 301 + 40, 640, 641]), nal(0x06, 200, [50]), nal(0x41, 700, [100, 500, 690])]);
}

t.test('escaping a payload from its first escaped pair on gives the tail of escaping it all', async (t) => {
  const es = payload();
  const nals = avcNalUnits(es, 'test');
  const inserts: number[] = [];
  const full = escapeProtectedNals(es, nals, inserts);
  t.equal(inserts.length, 6, `${inserts.length} bytes inserted (none in the SEI)`);
  const first = inserts[0]! - 2;
  for (const from of [0, 100, first - 1, first]) {
    const tail = escapeFrom(Buffer.from(es.subarray(from)), -from, first, nals, Buffer.allocUnsafe);
    t.same(tail, full.subarray(from), `payload from ${from}, scan from the first pair at ${first}`);
  }
  const late = escapeFrom(Buffer.from(es), 0, first + 3, nals, Buffer.allocUnsafe);
  t.not(late.equals(full), true, 'a scan starting past the first escaped pair misses its 0x03');
  t.equal(late.length, full.length - 1);
});
