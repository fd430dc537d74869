/**
 * The transport packets of one PES where they lie in the input chunks (parallel arrays, no object
 * per packet), with the zero pairs of an H.264 payload noted as its packets come in: read in place
 * (H.264, packet-blocks.ts) or gathered once into a pooled buffer for the elementary stream work, and given their
 * encrypted bytes back by writing only the changed ranges into the packets, or re-packetized when
 * emulation prevention grew the PES.
 */
import { PACKET_SIZE } from './packet.js';
import { packetizePesFrom, unchangedPrefix } from './pes-packetizer.js';
import { type PesLayout, rebuildPes } from './pes.js';

/**
 * The first `n` entries of each array are the PES's packets. Reused from PES to PES (see
 * PesPacketsPool): the lists live from a PES's first packet until it is encrypted, long enough
 * to be promoted out of the young generation, so fresh ones per PES grew the old generation
 * (measured: 49 MB of heap at the peak of a SAMPLE-AES run, against 11 MB for AES-128).
 */
export interface PesPackets {
  /** Global index of the first packet (the one with payload_unit_start). */
  first: number;
  n: number;
  bufs: (Buffer | undefined)[];
  /** A DataView over each bufs[k] (shared by the packets of one chunk), for 32-bit block moves. */
  views: (DataView | undefined)[];
  /** Packet offsets in bufs[k]. */
  offs: Int32Array;
  /** Payload offsets in bufs[k]. */
  payloads: Int32Array;
  /** Global packet indices. */
  indices: Float64Array;
  /** PES offset of each packet's first payload byte. */
  starts: Int32Array;
  /** Payload bytes in all packets. */
  size: number;
  /**
   * H.264 only (filled by the stream's packet walk, see addZeroPairs): PES offsets of every
   * 00 00 in the payload bytes, ascending, across packet boundaries too.
   */
  pairs: number[];
  /** The last payload byte so far (-1 before any), for a 00 00 across two packets. */
  lastByte: number;
}

export class PesPacketsPool {
  private readonly free: PesPackets[] = [];
  take(first: number): PesPackets {
    const p = this.free.pop() ?? {
      first, n: 0, bufs: [], views: [], offs: new Int32Array(256), payloads: new Int32Array(256), indices: new Float64Array(256), starts: new Int32Array(256),
      size: 0, pairs: [], lastByte: -1,
    };
    p.first = first;
    p.n = 0;
    p.size = 0;
    p.pairs.length = 0;
    p.lastByte = -1;
    return p;
  }
  give(p: PesPackets): void {
    p.bufs.fill(undefined, 0, p.n); // no hold on the chunks
    p.views.fill(undefined, 0, p.n);
    if (this.free.length < 16) this.free.push(p);
  }
}

/** `view`: a DataView over all of `buf` (one per chunk), made here when not given. */
export function addPacket(p: PesPackets, buf: Buffer, off: number, payload: number, g: number, view?: DataView): void {
  const k = p.n;
  if (k === p.offs.length) {
    const grow = <T extends Int32Array | Float64Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(a.length * 2); b.set(a); return b; };
    p.offs = grow(p.offs);
    p.payloads = grow(p.payloads);
    p.indices = grow(p.indices);
    p.starts = grow(p.starts);
  }
  p.bufs[k] = buf;
  p.views[k] = view ?? new DataView(buf.buffer, buf.byteOffset, buf.length);
  p.offs[k] = off;
  p.payloads[k] = payload;
  p.indices[k] = g;
  p.starts[k] = p.size;
  p.n = k + 1;
  p.size += off + PACKET_SIZE - payload;
}

/**
 * After addPacket of the packet at `off` (payload at `payload`): record its zero pairs in p.pairs.
 * `found` are the offsets in `buf` of every 00 00 of the chunk being walked (ascending; a pair never
 * spans two packets there, the sync byte is 0x47), `at` the index to look from; returns the index
 * past this packet's. A pair across the boundary with the PES's previous packet is found from
 * p.lastByte. Without `found` (packets replayed from an earlier chunk) the payload is scanned here.
 */
export function addZeroPairs(p: PesPackets, buf: Buffer, off: number, payload: number, found: number[] | undefined, at: number): number {
  const end = off + PACKET_SIZE;
  if (payload >= end) return at;
  const base = p.starts[p.n - 1]! - payload;
  if (p.lastByte === 0 && buf[payload] === 0) p.pairs.push(base + payload - 1);
  if (found) {
    while (at < found.length && found[at]! < payload) at++;
    for (; at < found.length && found[at]! < end - 1; at++) p.pairs.push(base + found[at]!);
  } else {
    for (let i = payload; i < end - 1; i++) if (buf[i] === 0 && buf[i + 1] === 0) p.pairs.push(base + i);
  }
  p.lastByte = buf[end - 1]!;
  return at;
}

/** Offsets of every 00 00 in buf[from, to), ascending (one native scan). */
export function zeroPairsIn(buf: Buffer, from: number, to: number, out: number[]): number[] {
  out.length = 0;
  for (let i = from; ;) {
    const z = buf.indexOf(ZERO_PAIR, i);
    if (z < 0 || z >= to - 1) return out;
    out.push(z);
    i = z + 1;
  }
}
const ZERO_PAIR = Buffer.from([0, 0]);

/** Index of the packet holding PES offset `at` (at < p.size). */
export function packetAt(p: PesPackets, at: number): number {
  let lo = 0;
  let hi = p.n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p.starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The byte at PES offset `at`, undefined past the end (reads of the few bytes around start codes). */
export function pesByteAt(p: PesPackets, at: number): number | undefined {
  if (at < 0 || at >= p.size) return undefined;
  const k = packetAt(p, at);
  return p.bufs[k]![p.payloads[k]! + at - p.starts[k]!];
}

/** Copy PES bytes [from, to) into `out` at `o` (the PES header, a PES prefix). */
export function gatherRange(p: PesPackets, from: number, to: number, out: Buffer, o: number): void {
  let k = packetAt(p, from);
  while (from < to) {
    const start = p.starts[k]!;
    const end = Math.min(to, start + p.offs[k]! + PACKET_SIZE - p.payloads[k]!);
    o += p.bufs[k]!.copy(out, o, p.payloads[k]! + from - start, p.payloads[k]! + end - start);
    from = end;
    k++;
  }
}

/** Copy the payloads into `pes` (at least p.size bytes). */
export function gatherPes(p: PesPackets, pes: Buffer): void {
  let at = 0;
  for (let k = 0; k < p.n; k++) at += p.bufs[k]!.copy(pes, at, p.payloads[k]!, p.offs[k]! + PACKET_SIZE);
}

/**
 * Copy pes[from, to) back into the packets it came from. `cursor` carries the packet index and
 * its payload start in the PES between calls with increasing ranges (one pass per PES).
 * Short ranges (the 16-byte blocks of H.264) go byte by byte: cheaper than a native call each.
 */
export function writeBackRange(p: PesPackets, pes: Buffer, from: number, to: number, cursor: { k: number; at: number }): void {
  let { k, at } = cursor;
  while (from < to) {
    let len = p.offs[k]! + PACKET_SIZE - p.payloads[k]!;
    while (from >= at + len) {
      at += len;
      k++;
      len = p.offs[k]! + PACKET_SIZE - p.payloads[k]!;
    }
    const end = Math.min(to, at + len);
    const buf = p.bufs[k]!;
    let d = p.payloads[k]! + (from - at);
    if (end - from <= 32) {
      for (let i = from; i < end; i++) buf[d++] = pes[i]!;
    } else {
      pes.copy(buf, d, from, end);
    }
    from = end;
  }
  cursor.k = k;
  cursor.at = at;
}

/** Payload of the same size: every packet gets its bytes back. */
export function writeBackAll(p: PesPackets, pes: Buffer): void {
  writeBackRange(p, pes, 0, p.size, { k: 0, at: 0 });
}

/**
 * Emulation prevention grew (or shrank) the PES: spread it over packets again. Each input packet
 * is replaced by one new packet; the last one also carries the extra packets (or fewer).
 */
export function repacketizePes(p: PesPackets, pes: Buffer, layout: PesLayout, newEs: Buffer, where: string,
  replace: (g: number, buf: Buffer, off: number, len: number) => void, pool?: PesBufferPool): void {
  const rebuilt = rebuildPes(pes, layout, newEs, where, pool ? (length) => pool.take(length) : undefined);
  // The packets before the first changed byte would come out as they are: they stay.
  const from = unchangedPrefix(p, pes, rebuilt);
  const all = packetizePesFrom(p, rebuilt, from.packets, from.pos);
  pool?.give(rebuilt); // the new packets hold copies of its bytes
  replaceFrom(p, from.packets, all, replace);
}

/** Packets `from` .. n-1 of the PES replaced by the new packets `all`, one each, the last one by the rest. */
export function replaceFrom(p: PesPackets, from: number, all: Buffer, replace: (g: number, buf: Buffer, off: number, len: number) => void): void {
  const n = p.n;
  const count = all.length / PACKET_SIZE;
  for (let k = from; k < n; k++) {
    const first = Math.min(k - from, count);
    const last = k < n - 1 ? Math.min(k - from + 1, count) : count;
    replace(p.indices[k]!, all, first * PACKET_SIZE, (last - first) * PACKET_SIZE);
  }
}

/** Gather buffers reused from PES to PES (fresh ones per PES cost page faults and GC). */
export class PesBufferPool {
  private readonly free: Buffer[] = [];
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i]!.length >= size && (best < 0 || this.free[i]!.length < this.free[best]!.length)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!.subarray(0, size);
    // Headroom: the next access units are rarely exactly this size.
    return Buffer.allocUnsafeSlow(Math.ceil((size * 1.5) / 65536) * 65536).subarray(0, size);
  }
  give(b: Buffer): void {
    this.free.push(Buffer.from(b.buffer, b.byteOffset, b.buffer.byteLength - b.byteOffset));
    // Keep the largest dozen: the PES of one pushed chunk (about a MB) are all gathered before any is given back.
    if (this.free.length > 12) this.free.sort((x, y) => y.length - x.length).length = 12;
  }
}
