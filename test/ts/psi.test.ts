import t from 'tap';
import { readFileSync } from 'node:fs';
import { crc32Mpeg2 } from '../../src/ts/crc32-mpeg2.js';
import { buildPmtSection, parsePat, parsePmt } from '../../src/ts/psi.js';
import { readPacketHeader } from '../../src/ts/packet.js';

const sample = readFileSync(new URL('../../samples/ts/avc-ac3.ts', import.meta.url));

t.test('CRC-32/MPEG-2 check value and a real PAT', async (t) => {
  t.equal(crc32Mpeg2(Buffer.from('123456789')), 0x0376e6e7);
  const pat = Buffer.from('00b00d0001c100000001f0002ab104b2', 'hex');
  t.equal(crc32Mpeg2(pat, 0, pat.length - 4), 0x2ab104b2);
  t.equal(crc32Mpeg2(pat), 0, 'a section with its CRC sums to zero');
});

t.test('PAT and PMT parse, and the PMT builds back to the same bytes', async (t) => {
  let pmtPid = -1;
  let checked = false;
  for (let i = 0; i * 188 < sample.length && !checked; i++) {
    const h = readPacketHeader(sample, i * 188, i);
    if (h.pid === 0 && h.payloadUnitStart) pmtPid = [...parsePat(sample, h.payloadOffset, i * 188, 'PAT').values()][0]!;
    else if (h.pid === pmtPid && h.payloadUnitStart) {
      const pmt = parsePmt(sample, h.payloadOffset, i * 188, 'PMT');
      t.same(pmt.streams.map((s) => s.streamType), [0x1b, 0x81]);
      t.equal(pmt.pcrPid, pmt.streams[0]!.pid);
      const start = h.payloadOffset + 1 + sample[h.payloadOffset]!;
      const len = 3 + (((sample[start + 1]! & 0x0f) << 8) | sample[start + 2]!);
      t.same(buildPmtSection(pmt), sample.subarray(start, start + len));
      checked = true;
    }
  }
  t.ok(checked);
});

t.test('a PMT with a bad CRC is refused with the packet named', async (t) => {
  const bad = Buffer.from(sample);
  for (let i = 0; i * 188 < bad.length; i++) {
    const h = readPacketHeader(bad, i * 188, i);
    if (h.pid === 0x1000) { bad[h.payloadOffset + 8] ^= 0xff; t.throws(() => parsePmt(bad, h.payloadOffset, i * 188, `PMT packet ${i}`), { code: 'ERR_TS_PSI_CRC', message: /PMT packet/ }); break; }
  }
});
