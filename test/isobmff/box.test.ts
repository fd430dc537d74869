import t from 'tap';
import { childBoxes, readBox, readTopLevelHeader, topLevelBoxes } from '../../src/isobmff/index.js';

function box(type: string, body: Buffer | number[] = []): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(8 + b.length, 0);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, b]);
}

t.test('walks nested boxes with offsets and paths', async (t) => {
  const buf = Buffer.concat([box('ftyp', [1, 2, 3, 4]), box('moov', Buffer.concat([box('mvhd', [0, 0, 0, 0]), box('trak')]))]);
  const top = topLevelBoxes(buf);
  t.same(top.map((b) => [b.type, b.start, b.end]), [['ftyp', 0, 12], ['moov', 12, 40]]);
  const kids = childBoxes(buf, top[1]!);
  t.same(kids.map((b) => [b.path, b.start]), [['moov/mvhd', 20], ['moov/trak', 32]]);
});

t.test('size 0 extends to the end; size 1 reads the 64-bit largesize', async (t) => {
  const zero = Buffer.concat([box('free', [9]), Buffer.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74, 1, 2, 3])]);
  const top = topLevelBoxes(zero);
  t.same(top.map((b) => [b.type, b.end]), [['free', 9], ['mdat', 20]]);
  const large = Buffer.alloc(20);
  large.writeUInt32BE(1, 0); large.write('mdat', 4, 'latin1'); large.writeBigUInt64BE(20n, 8);
  const b = readBox(large, 0, large.length, '', true);
  t.same([b.type, b.bodyStart, b.end], ['mdat', 16, 20]);
});

t.test('uuid boxes carry a 16-byte user type in the header', async (t) => {
  const b = readBox(box('uuid', new Array(20).fill(0)), 0, 28, '');
  t.equal(b.bodyStart, 24);
});

t.test('a box running past the end of the file is ERR_BOX_TRUNCATED with its offset', async (t) => {
  const buf = Buffer.concat([box('ftyp', [1, 2, 3, 4]), box('moov', new Array(40).fill(0)).subarray(0, 30)]);
  t.throws(() => topLevelBoxes(buf), { code: 'ERR_BOX_TRUNCATED', message: /moov at byte 12/ });
  t.throws(() => topLevelBoxes(Buffer.concat([box('ftyp'), Buffer.from([0, 0, 0])])), { code: 'ERR_BOX_TRUNCATED', message: /byte 8/ });
});

t.test('a child larger than its parent is ERR_BOX_SIZE naming the path', async (t) => {
  const child = box('mvhd', [0, 0, 0, 0]);
  child.writeUInt32BE(500, 0);
  const buf = box('moov', child);
  t.throws(() => childBoxes(buf, readBox(buf, 0, buf.length, '')), { code: 'ERR_BOX_SIZE', message: /moov\/mvhd at byte 8.*parent moov ends at byte 20/ });
});

t.test('sizes that would loop forever are rejected: 2..7, largesize 0 or < 16', async (t) => {
  for (const size of [2, 7]) {
    const b = box('free', [0, 0, 0, 0]);
    b.writeUInt32BE(size, 0);
    t.throws(() => topLevelBoxes(b), { code: 'ERR_BOX_SIZE' }, `size ${size}`);
  }
  for (const large of [0n, 8n, 15n]) {
    const b = Buffer.alloc(24);
    b.writeUInt32BE(1, 0); b.write('free', 4, 'latin1'); b.writeBigUInt64BE(large, 8);
    t.throws(() => topLevelBoxes(b), { code: 'ERR_BOX_SIZE', message: /smaller than its 16-byte header/ }, `largesize ${large}`);
  }
  const huge = Buffer.alloc(16);
  huge.writeUInt32BE(1, 0); huge.write('mdat', 4, 'latin1'); huge.writeBigUInt64BE(1n << 60n, 8);
  t.throws(() => topLevelBoxes(huge), { code: 'ERR_BOX_SIZE' });
});

t.test('top-level headers read from a few bytes report file offsets', async (t) => {
  const head = box('moof', new Array(24).fill(0)).subarray(0, 16);
  const b = readTopLevelHeader(head, 1000, 2000);
  t.same([b.type, b.start, b.end], ['moof', 1000, 1032]);
  t.throws(() => readTopLevelHeader(head, 1990, 2000), { code: 'ERR_BOX_TRUNCATED', message: /moof at byte 1990.*ends at byte 2000/ });
});
