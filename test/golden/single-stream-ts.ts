/**
 * Hand-built MPEG-TS for the split-PES tests: the PES packets of one PID read out of a TS, and a TS
 * with one elementary stream (PAT, PMT, then the given PES packets, 184 payload bytes a packet,
 * adaptation-field stuffing before a short last chunk). Written from ISO/IEC 13818-1 2.4.3 / 2.4.4.
 */
import { crc32Mpeg2 } from '../../src/ts/crc32-mpeg2.js';

/** The PES packets (header included) carried on `pid`, reassembled from their TS packets. */
export function pesOf(ts: Buffer, pid: number): Buffer[] {
  const out: Buffer[][] = [];
  for (let o = 0; o + 188 <= ts.length; o += 188) {
    if ((((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!) !== pid || !(ts[o + 3]! & 0x10)) continue;
    const start = o + 4 + ((ts[o + 3]! & 0x20) ? 1 + ts[o + 4]! : 0);
    if (ts[o + 1]! & 0x40) out.push([]);
    out[out.length - 1]?.push(ts.subarray(start, o + 188));
  }
  return out.map((p) => Buffer.concat(p));
}

function withCrc(bytes: number[]): Buffer {
  const s = Buffer.from(bytes);
  return Buffer.concat([s, Buffer.from(crc32Mpeg2(s).toString(16).padStart(8, '0'), 'hex')]);
}

/** A TS of one program: PAT, PMT (one stream of `streamType` on `pid`, also the PCR PID), then the PES packets. */
export function singleStreamTs(pid: number, streamType: number, pesList: Buffer[]): Buffer {
  const packets: Buffer[] = [];
  const hi = 0xe0 | (pid >> 8);
  const lo = pid & 0xff;
  for (const [tablePid, sec] of [[0, withCrc([0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00])],
    [0x1000, withCrc([0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, hi, lo, 0xf0, 0x00, streamType, hi, lo, 0xf0, 0x00])]] as const) {
    const p = Buffer.alloc(188, 0xff);
    p.set([0x47, 0x40 | (tablePid >> 8), tablePid & 0xff, 0x10, 0x00]);
    sec.copy(p, 5);
    packets.push(p);
  }
  let cc = 0;
  for (const pes of pesList) {
    for (let o = 0; o < pes.length; o += 184) {
      const chunk = pes.subarray(o, o + 184);
      const p = Buffer.alloc(188, 0xff);
      p.set([0x47, (o === 0 ? 0x40 : 0) | (pid >> 8), pid & 0xff, 0x10 | (cc++ & 15)]);
      if (chunk.length < 184) {
        const stuffing = 184 - chunk.length;
        p[3]! |= 0x20;
        p[4] = stuffing - 1;
        if (stuffing > 1) p[5] = 0;
      }
      chunk.copy(p, 188 - chunk.length);
      packets.push(p);
    }
  }
  return Buffer.concat(packets);
}
