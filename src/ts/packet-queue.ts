/**
 * Output side of the SAMPLE-AES stream: the input chunks whose packets have not left yet, the few
 * packets replaced by other bytes (a re-packetized PES, a rewritten PMT), and emission in input
 * order up to a watermark with continuity counters renumbered. No object per packet: a packet is
 * its global index, found in its chunk by arithmetic.
 */
import { PACKET_SIZE } from './packet.js';

/** Packets first .. first + n - 1 of the stream, packet j at `base + j * 188` in `buf`. */
interface Chunk { buf: Buffer; base: number; first: number; n: number; release: boolean }

/** `len` bytes (whole packets, possibly none) at `off` in `buf` instead of the input packet. */
interface Replacement { buf: Buffer; off: number; len: number }

export class PacketQueue {
  private readonly chunks: Chunk[] = [];
  private readonly replacements = new Map<number, Replacement>();
  /** Replacements pending per global index modulo 65536: most packets have none, found without a Map lookup. */
  private readonly marks = new Uint16Array(1 << 16);
  /** Last continuity counter written per PID, -1 before the first packet. */
  private readonly cc = new Int8Array(8192).fill(-1);
  /** Packets before this global index have been emitted. */
  emitted = 0;
  /** ArrayBuffers of chunks whose packets all left (the caller may reuse them once written). */
  released: ArrayBuffer[] = [];

  /** `release`: report buf's ArrayBuffer in `released` once its packets left (only for buffers that are wholly the caller's). */
  add(buf: Buffer, base: number, first: number, n: number, release: boolean): void {
    if (n > 0) this.chunks.push({ buf, base, first, n, release });
  }

  /** Walk packets [from, to) in order: `visit(buf, offset, index)` (used to replay held packets). */
  forEach(from: number, to: number, visit: (buf: Buffer, off: number, g: number) => void): void {
    for (const c of this.chunks) {
      const a = Math.max(from, c.first);
      const b = Math.min(to, c.first + c.n);
      for (let g = a; g < b; g++) visit(c.buf, c.base + (g - c.first) * PACKET_SIZE, g);
    }
  }

  replace(g: number, buf: Buffer, off: number, len: number): void {
    if (!this.replacements.has(g)) this.marks[g & 0xffff]++;
    this.replacements.set(g, { buf, off, len });
  }

  /**
   * The packets before global index `upTo`, as few views as possible. `renumber[pid]` marks the
   * PIDs whose continuity counters are renumbered as packets leave (§2.4.3.3: +1 per packet with
   * payload), since re-packetizing may add packets; other PIDs pass untouched.
   */
  emit(upTo: number, renumber: Uint8Array): Buffer[] {
    const parts: Buffer[] = [];
    let run: Buffer | undefined;
    let runStart = 0;
    let runEnd = 0;
    const cc = this.cc;
    const marks = this.marks;
    while (this.chunks.length > 0 && this.emitted < upTo) {
      const c = this.chunks[0]!;
      const buf = c.buf;
      const to = Math.min(upTo, c.first + c.n);
      for (let g = this.emitted; g < to; g++) {
        let b = buf;
        let start = c.base + (g - c.first) * PACKET_SIZE;
        let len = PACKET_SIZE;
        const pid = ((b[start + 1]! & 0x1f) << 8) | b[start + 2]!;
        if (marks[g & 0xffff] !== 0) {
          const r = this.replacements.get(g);
          if (r) {
            this.replacements.delete(g);
            marks[g & 0xffff]--;
            b = r.buf;
            start = r.off;
            len = r.len;
          }
        }
        if (renumber[pid] === 1) {
          for (let p = start; p < start + len; p += PACKET_SIZE) {
            const prev = cc[pid]!;
            const v = b[p + 3]!;
            const next = prev < 0 ? v & 0x0f : (v & 0x10) !== 0 ? (prev + 1) & 0x0f : prev;
            b[p + 3] = (v & 0xf0) | next;
            cc[pid] = next;
          }
        }
        if (len === 0) continue;
        if (run === b && runEnd === start) {
          runEnd += len;
          continue;
        }
        if (run) parts.push(run.subarray(runStart, runEnd));
        run = b;
        runStart = start;
        runEnd = start + len;
      }
      this.emitted = to;
      if (to < c.first + c.n) break;
      this.chunks.shift();
      if (c.release) this.released.push(buf.buffer as ArrayBuffer);
    }
    if (run) parts.push(run.subarray(runStart, runEnd));
    return parts;
  }
}
