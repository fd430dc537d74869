/**
 * Output side of the SAMPLE-AES stream: the packet slots of the output queue, how a PES gives its
 * packets their encrypted bytes, and how resolved slots leave (continuity counters renumbered,
 * adjacent views coalesced).
 */
import { PACKET_SIZE } from './packet.js';
import { packetizePes } from './pes-packetizer.js';
import { type PesLayout, rebuildPes } from './pes.js';

export interface Slot {
  buf: Buffer;
  off: number;
  index: number;
  pid: number;
  ready: boolean;
  /**
   * Replacement once resolved: `outLen` bytes (whole packets, possibly none) at `outOff` in
   * `outBuf`; undefined = the input packet unchanged.
   */
  outBuf?: Buffer;
  outOff?: number;
  outLen?: number;
  /** Offset of the payload in `buf` (PES packets). */
  payloadStart?: number;
}

export interface CompletePes { where: string; slots: Slot[]; pes: Buffer; layout: PesLayout; es: Buffer }

/**
 * Packet-sized copy: TypedArray#set over a plain Uint8Array view. Measured on 184-byte copies: 4x
 * faster than over `Buffer#subarray` (a FastBuffer per call), 3x faster than `Buffer#copy`, 10x
 * faster than a byte loop.
 */
export function copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  dst.set(new Uint8Array(src.buffer, src.byteOffset + start, end - start), at);
  return end - start;
}

/** Give each packet of a PES its output: same payload layout when the size held, else re-packetized. */
export function resolvePesSlots(m: CompletePes, newEs: Buffer, inPlace: boolean): void {
  const n = m.slots.length;
  if (newEs.length === m.es.length) {
    if (newEs !== m.es) newEs.copy(m.es);
    if (inPlace) {
      let q = 0;
      for (const s of m.slots) {
        q += copyBytes(m.pes, q, q + s.off + PACKET_SIZE - s.payloadStart!, s.buf, s.payloadStart!);
        s.ready = true;
      }
      return;
    }
    const block = Buffer.allocUnsafe(n * PACKET_SIZE);
    let p = 0;
    m.slots.forEach((s, k) => {
      const o = k * PACKET_SIZE;
      const payloadAt = s.payloadStart! - s.off;
      copyBytes(s.buf, s.off, s.payloadStart!, block, o);
      p += copyBytes(m.pes, p, p + PACKET_SIZE - payloadAt, block, o + payloadAt);
      s.outBuf = block;
      s.outOff = o;
      s.outLen = PACKET_SIZE;
      s.ready = true;
    });
    return;
  }
  // Emulation prevention grew this PES: spread it over packets again.
  const src = Buffer.allocUnsafe(n * PACKET_SIZE);
  m.slots.forEach((s, k) => s.buf.copy(src, k * PACKET_SIZE, s.off, s.off + PACKET_SIZE));
  const packets = packetizePes(src, m.slots.map((_, k) => k * PACKET_SIZE), rebuildPes(m.pes, m.layout, newEs, m.where));
  const all = Buffer.concat(packets);
  m.slots.forEach((s, k) => {
    // One packet each; the last slot also carries the extra packets (or fewer, if it shrank).
    const first = Math.min(k, packets.length);
    const last = k < n - 1 ? Math.min(k + 1, packets.length) : packets.length;
    s.outBuf = all;
    s.outOff = first * PACKET_SIZE;
    s.outLen = (last - first) * PACKET_SIZE;
    s.ready = true;
  });
}

/** Collects the output of one drain as few, large views. */
export class SlotOutput {
  readonly parts: Buffer[] = [];
  private buf: Buffer | undefined;
  private start = 0;
  private end = 0;

  constructor(private readonly cc: Map<number, number>, private readonly inPlace: boolean) {}

  /**
   * Continuity counters of encrypted PIDs are renumbered as packets leave (§2.4.3.3: +1 per packet
   * with payload), since re-packetizing may add packets. Other PIDs pass untouched. Adjacent
   * pieces of one buffer are coalesced so the output is a few large copies.
   */
  emit(slot: Slot, encrypted: boolean): void {
    let buf = slot.outBuf;
    let start = slot.outOff ?? 0;
    let len = slot.outLen ?? PACKET_SIZE;
    if (!buf) {
      buf = slot.buf;
      start = slot.off;
      if (encrypted && !this.inPlace) {
        buf = Buffer.from(buf.subarray(start, start + PACKET_SIZE)); // the input is not ours and its CC may change
        start = 0;
      }
    }
    if (encrypted) {
      for (let p = start; p < start + len; p += PACKET_SIZE) {
        const prev = this.cc.get(slot.pid);
        const cc = prev === undefined ? buf[p + 3] & 0x0f : (buf[p + 3] & 0x10) !== 0 ? (prev + 1) & 0x0f : prev;
        buf[p + 3] = (buf[p + 3] & 0xf0) | cc;
        this.cc.set(slot.pid, cc);
      }
    }
    if (len === 0) return;
    if (this.buf === buf && this.end === start) {
      this.end += len;
      return;
    }
    if (this.buf) this.parts.push(this.buf.subarray(this.start, this.end));
    this.buf = buf;
    this.start = start;
    this.end = start + len;
  }

  finish(): Buffer {
    if (this.buf) this.parts.push(this.buf.subarray(this.start, this.end));
    this.buf = undefined;
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}
