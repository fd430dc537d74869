/**
 * SAMPLE-AES as a stream: push transport stream chunks, get encrypted packets back in the same
 * order, with memory bounded by what is in flight (the PES packets not yet complete and the packets
 * interleaved with them), not by the input size.
 *
 * The chunks are walked in place, packet by packet, with no object per packet: a PES is a list of
 * where its packets lie (pes-packets.ts). An H.264 PES stays there: the walk notes its zero pairs
 * (from one native scan per chunk), its NAL units are found from them and its blocks move between
 * the packets and the cipher (video-pes-in-packets.ts). An audio PES is gathered into a pooled
 * buffer. The encrypted blocks are written straight back into the packets, which then leave as views of
 * the input chunks (packet-queue.ts) up to the first packet still waiting: a PES not complete yet,
 * or the PMT until the audio setup information is known (it comes from the first audio frame).
 * Frames are found in the stream of each PID, across PES boundaries (see audio-track.ts,
 * video-track.ts); the CBC chains of everything that became ready in one push go through one
 * batched cipher pass (cbc-chains.ts).
 */
import { MediaError } from '../errors.js';
import { checkAesParams } from './aes128.js';
import { CbcChainCipher } from './cbc-chains.js';
import { type AudioCodec, audioFrameLength } from './audio-frames.js';
import { PACKET_SIZE, PID_PAT, SYNC_BYTE } from './packet.js';
import { PacketQueue } from './packet-queue.js';
import { readPesLayout } from './pes.js';
import { addPacket, addZeroPairs, gatherRange, PesBufferPool, type PesPackets, PesPacketsPool, zeroPairsIn } from './pes-packets.js';
import { type CompletePes, encryptGroups, type GroupSink, materialisePes } from './sample-aes-groups.js';
import { VideoBlockScratch } from './video-pes-in-packets.js';
import { classifyPmtStreams, hex } from './program-tables.js';
import { buildPmtSection, parsePat, parsePmt, type Pmt, writeSectionPacket } from './psi.js';
import { type EncryptedStreamType, encryptedStreamDescriptors } from './stream-types.js';

interface Track { pid: number; type: EncryptedStreamType; h264: boolean; open: PesPackets | undefined; pending: CompletePes[]; pesCount: number }

export interface SampleAesStreamInfo {
  pid: number;
  codec: EncryptedStreamType['codec'];
  /** PES packets encrypted on this PID. */
  pesCount: number;
}

function startsWithStartCode(es: Buffer): boolean {
  return es.length >= 3 && es[0] === 0 && es[1] === 0 && (es[2] === 1 || (es[2] === 0 && es.length >= 4 && es[3] === 1));
}

/** Payload offset of the packet at `off` (off + 188 without payload); throws on an adaptation field overrunning it. */
function payloadOffset(buf: Buffer, off: number, index: number): number {
  const afc = (buf[off + 3]! >> 4) & 0x3;
  let p = off + 4;
  if (afc & 0x2) {
    const afLength = buf[off + 4]!;
    p += 1 + afLength;
    if (p > off + PACKET_SIZE || ((afc & 0x1) !== 0 && p === off + PACKET_SIZE && afLength > 183)) {
      const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
      throw new MediaError('ERR_TS_ADAPTATION', `packet ${index} (PID ${pid}) at offset ${off}: adaptation field length ${afLength} overruns the packet`,
        { where: `packet ${index}@${off}` });
    }
  }
  return (afc & 0x1) === 0 ? off + PACKET_SIZE : p;
}

/** Packets held while looking for the PAT and PMT (about 19 MB): HLS segments start with them. */
const MAX_PACKETS_BEFORE_TABLES = 100_000;

/** PES bytes read at completion: the header (at most 9 + 255 bytes) and 4 more for a start code. */
const PES_HEAD = 9 + 255 + 4;

/** PID roles for the packet walk. */
const ROLE_PMT = 2;

export class SampleAesEncryptor {
  private rest: Buffer | undefined;
  private count = 0;
  private pmtPids: Set<number> | undefined;
  /** While the PAT and a PMT are not known: the global index of the first packet held. */
  private heldFrom: number | undefined = 0;
  private lastPmt: { section: Buffer; pmt: Pmt } | undefined;
  private readonly pmtWaiting: { buf: Buffer; off: number; g: number; pmt: Pmt }[] = [];
  private readonly rebuilt = new Map<Pmt, Buffer>();
  private readonly audioSetup = new Map<number, Buffer>();
  private readonly tracks = new Map<number, Track>();
  /** Per PID: its track, if encrypted. */
  private readonly trackOf: (Track | undefined)[] = new Array<Track | undefined>(8192).fill(undefined);
  /** Per PID: 1 = encrypted track (continuity counters renumbered), ROLE_PMT = PMT. */
  private readonly role = new Uint8Array(8192);
  private readonly queue = new PacketQueue();
  private readonly pool = new PesBufferPool();
  private readonly lists = new PesPacketsPool();
  private readonly sink: GroupSink;
  /** The chunk being walked and the offsets of its zero pairs (for the H.264 PES, see addZeroPairs). */
  private walking: Buffer | undefined;
  private walkingView: DataView | undefined;
  private readonly pairs: number[] = [];
  private pairAt = 0;
  /** The first bytes of a PES (its header and first start code), read out of its packets. */
  private readonly head = Buffer.allocUnsafe(PES_HEAD);
  private ready: CompletePes[][] = [];
  private readyTracks: Track[] = [];
  private ended = false;

  /**
   * With `inPlace`, the buffers given to push() become the encryptor's: PES packets are encrypted
   * inside them and emitted as views, which saves a copy of every packet. Without it the input is
   * never modified (each chunk is copied first).
   */
  constructor(key: Buffer, iv: Buffer, private readonly options: { inPlace?: boolean } = {}) {
    checkAesParams(key, iv);
    this.sink = {
      pool: this.pool, lists: this.lists, audioSetup: this.audioSetup,
      replace: (g, buf, off, len) => this.queue.replace(g, buf, off, len), scratch: new VideoBlockScratch(),
      cipher: new CbcChainCipher(key, iv),
    };
  }

  /** Feed the next bytes (any length); returns the encrypted packets that are final so far. */
  push(chunk: Buffer): Buffer {
    const parts = this.pushParts(chunk);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Same as push, the output as views to write in order (no concatenation). */
  pushParts(chunk: Buffer): Buffer[] {
    if (!this.options.inPlace) chunk = Buffer.from(chunk);
    let o = 0;
    if (this.rest) {
      const need = PACKET_SIZE - this.rest.length;
      if (chunk.length < need) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return [];
      }
      this.walk(Buffer.concat([this.rest, chunk.subarray(0, need)]), 0, 1, false);
      this.rest = undefined;
      o = need;
    }
    const n = Math.floor((chunk.length - o) / PACKET_SIZE);
    this.walk(chunk, o, n, this.options.inPlace === true);
    o += n * PACKET_SIZE;
    if (o < chunk.length) this.rest = Buffer.from(chunk.subarray(o));
    return this.drain();
  }

  /**
   * In place: the ArrayBuffers under pushed chunks whose packets have all been returned, reusable
   * once those are written. Only for chunks that are the whole of their ArrayBuffer's bytes in use.
   */
  takeReleased(): ArrayBuffer[] {
    const r = this.queue.released;
    this.queue.released = [];
    return r;
  }

  /** No more input: completes the last PES packets and returns the rest of the output. */
  end(): Buffer {
    const parts = this.endParts();
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  endParts(): Buffer[] {
    if (this.rest) {
      const at = this.count * PACKET_SIZE;
      throw new MediaError('ERR_TS_TRUNCATED', `truncated packet ${this.count} at offset ${at}: ${this.rest.length} of ${PACKET_SIZE} bytes`, { where: `packet ${this.count}@${at}` });
    }
    if (this.count === 0) throw new MediaError('ERR_TS_EMPTY', 'transport stream is empty', { where: 'packet 0' });
    if (this.heldFrom !== undefined) {
      if (!this.pmtPids) throw new MediaError('ERR_TS_NO_PMT', `no PAT in ${this.count} packets, so no PMT to find`, { where: 'PID 0x0' });
      const pids = [...this.pmtPids].map(hex).join(', ');
      throw new MediaError('ERR_TS_NO_PMT', `no PMT on PID ${pids} in ${this.count} packets`, { where: `PID ${pids}` });
    }
    // PES packets complete in the order they started (as their next payload_unit_start would have come).
    const open = [...this.tracks.values()].filter((t) => t.open).sort((a, b) => a.open!.first - b.open!.first);
    for (const t of open) this.complete(t, t.open!);
    for (const t of this.tracks.values()) {
      if (t.pending.length > 0) this.markReady(t, t.pending);
      t.pending = [];
    }
    this.ended = true;
    return this.drain();
  }

  streams(): SampleAesStreamInfo[] {
    return [...this.tracks.values()].map((t) => ({ pid: t.pid, codec: t.type.codec, pesCount: t.pesCount }));
  }

  /** The n packets at buf[o...]: into the queue, then each routed (or held until the tables are known). */
  private walk(buf: Buffer, o: number, n: number, release: boolean): void {
    if (n <= 0) return;
    const first = this.count;
    this.queue.add(buf, o, first, n, release);
    this.count += n;
    this.walking = buf;
    this.walkingView = new DataView(buf.buffer, buf.byteOffset, buf.length);
    zeroPairsIn(buf, o, o + n * PACKET_SIZE, this.pairs);
    this.pairAt = 0;
    for (let j = 0; j < n; j++, o += PACKET_SIZE) {
      const g = first + j;
      if (buf[o] !== SYNC_BYTE) {
        throw new MediaError('ERR_TS_SYNC', `lost sync: packet ${g} at offset ${g * PACKET_SIZE} starts with 0x${buf[o]!.toString(16).padStart(2, '0')}, not 0x47`,
          { where: `packet ${g}@${g * PACKET_SIZE}` });
      }
      if (this.heldFrom !== undefined) this.findTables(buf, o, g);
      else this.route(buf, o, g);
    }
  }

  /** Before PAT and PMT are known: hold packets, then replay them in order. */
  private findTables(buf: Buffer, off: number, g: number): void {
    const heldFrom = this.heldFrom!;
    if (g + 1 - heldFrom > MAX_PACKETS_BEFORE_TABLES) {
      throw new MediaError('ERR_TS_NO_PMT', `no ${this.pmtPids ? 'PMT' : 'PAT'} in the first ${g + 1 - heldFrom} packets`, { where: `packet ${g}` });
    }
    const payload = payloadOffset(buf, off, g);
    if ((buf[off + 1]! & 0x40) === 0 || (buf[off + 3]! & 0x10) === 0) return;
    const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
    let found = false;
    if (pid === PID_PAT && !this.pmtPids) {
      const pmtPids = new Set(parsePat(buf, payload, off, `PAT packet ${g}`).values());
      this.pmtPids = pmtPids;
      this.queue.forEach(heldFrom, g + 1, (b, o) => {
        if (pmtPids.has(((b[o + 1]! & 0x1f) << 8) | b[o + 2]!) && (b[o + 1]! & 0x40) !== 0) found = true;
      });
    } else if (this.pmtPids?.has(pid)) {
      found = true;
    }
    if (!found) return;
    for (const p of this.pmtPids!) this.role[p] = ROLE_PMT;
    this.heldFrom = undefined;
    this.queue.forEach(heldFrom, g + 1, (b, o, h) => this.route(b, o, h));
  }

  private route(buf: Buffer, off: number, g: number): void {
    const payload = payloadOffset(buf, off, g);
    const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
    const hasPayload = (buf[off + 3]! & 0x10) !== 0;
    const pusi = (buf[off + 1]! & 0x40) !== 0;
    if (this.role[pid] === ROLE_PMT) {
      if (pusi && hasPayload) this.pmtPacket(buf, off, g, pid, payload);
      return;
    }
    const track = this.trackOf[pid];
    if (!track || !hasPayload) return;
    let st = track.open;
    if (pusi) {
      if (st) this.complete(track, st);
      st = this.lists.take(g);
      track.open = st;
    } else if (!st) {
      throw new MediaError('ERR_TS_PES_CONTINUATION',
        `PID ${hex(pid)} packet ${g}: payload continues a PES that started before this segment`, { where: `packet ${g}@${g * PACKET_SIZE}` });
    }
    addPacket(st, buf, off, payload, g, buf === this.walking ? this.walkingView : undefined);
    if (track.h264) this.pairAt = addZeroPairs(st, buf, off, payload, buf === this.walking ? this.pairs : undefined, this.pairAt);
  }

  private pmtPacket(buf: Buffer, off: number, g: number, pid: number, payload: number): void {
    // The PMT repeats every few packets, usually unchanged: parse each distinct section once.
    const section = buf.subarray(payload, off + PACKET_SIZE);
    let pmt = this.lastPmt?.section.equals(section) ? this.lastPmt.pmt : undefined;
    if (!pmt) {
      pmt = parsePmt(buf, payload, off, `PMT PID ${hex(pid)} packet ${g}`);
      this.lastPmt = { section: Buffer.from(section), pmt };
      for (const [p, type] of classifyPmtStreams(pmt, g)) {
        if (!this.tracks.has(p)) {
          const track: Track = { pid: p, type, h264: type.codec === 'h264', open: undefined, pending: [], pesCount: 0 };
          this.tracks.set(p, track);
          this.trackOf[p] = track;
          this.role[p] = 1;
        }
      }
    }
    this.pmtWaiting.push({ buf, off, g, pmt });
  }

  private complete(track: Track, st: PesPackets): void {
    track.open = undefined;
    const where = `PID ${hex(track.pid)} PES at packet ${st.first}`;
    track.pesCount++;
    if (track.h264) {
      // Left in its packets: only the header and the first bytes are read here.
      const head = this.gather(st);
      const layout = readPesLayout(head, where, st.size);
      const done: CompletePes = { where, packets: st, layout };
      // NAL units may continue into the next PES; a PES starting with a start code closes the ones before.
      if (track.pending.length > 0 && startsWithStartCode(head.subarray(layout.esStart, layout.esEnd))) {
        this.markReady(track, track.pending);
        track.pending = [];
      }
      track.pending.push(done);
      return;
    }
    const done: CompletePes = { where, packets: st, layout: readPesLayout(this.gather(st), where, st.size) };
    materialisePes(done, this.pool);
    track.pending.push(done);
    if (this.audioEndsOnFrame(track)) {
      this.markReady(track, track.pending);
      track.pending = [];
    }
  }

  /** The first bytes of a PES for its header: up to PES_HEAD. */
  private gather(st: PesPackets): Buffer {
    const n = Math.min(st.size, PES_HEAD);
    gatherRange(st, 0, n, this.head, 0);
    return this.head.subarray(0, n);
  }

  private audioEndsOnFrame(track: Track): boolean {
    const parts = track.pending;
    const data = parts.length === 1 ? parts[0]!.es! : Buffer.concat(parts.map((x) => x.es!));
    const where = parts[parts.length - 1]!.where;
    for (let p = 0; p < data.length;) {
      const length = audioFrameLength(track.type.codec as AudioCodec, data, p, where);
      if (length === undefined) return false;
      if (length < 7) return true; // malformed: let the frame reader report it
      if (p + length > data.length) return false;
      p += length;
    }
    return true;
  }

  private markReady(track: Track, group: CompletePes[]): void {
    this.ready.push(group);
    this.readyTracks.push(track);
  }

  private drain(): Buffer[] {
    if (this.ready.length > 0) this.encryptReady();
    this.resolvePmts();
    let upTo = this.count;
    if (this.heldFrom !== undefined) upTo = this.heldFrom;
    if (this.pmtWaiting.length > 0) upTo = Math.min(upTo, this.pmtWaiting[0]!.g);
    for (const t of this.tracks.values()) {
      if (t.pending.length > 0) upTo = Math.min(upTo, t.pending[0]!.packets.first);
      if (t.open) upTo = Math.min(upTo, t.open.first);
    }
    return this.queue.emit(upTo, this.role);
  }

  private encryptReady(): void {
    const groups = this.ready.map((group, g) => ({ group, pid: this.readyTracks[g]!.pid, codec: this.readyTracks[g]!.type.codec }));
    this.ready = [];
    this.readyTracks = [];
    encryptGroups(groups, this.sink);
  }

  /** A PMT is rewritten once every audio stream in it has its setup information (or input ended). */
  private resolvePmts(): void {
    while (this.pmtWaiting.length > 0) {
      const { buf, off, g, pmt } = this.pmtWaiting[0]!;
      const audioPids = pmt.streams.filter((s) => this.tracks.get(s.pid) && this.tracks.get(s.pid)!.type.codec !== 'h264').map((s) => s.pid);
      if (!this.ended && audioPids.some((pid) => !this.audioSetup.has(pid))) return;
      let section = this.rebuilt.get(pmt);
      if (!section) {
        section = buildPmtSection({
          ...pmt,
          streams: pmt.streams.map((s) => {
            const type = this.tracks.get(s.pid)?.type;
            if (!type) return s;
            return { streamType: type.encryptedType, pid: s.pid, descriptors: encryptedStreamDescriptors(type, s.descriptors, this.audioSetup.get(s.pid)) };
          }),
        });
        this.rebuilt.set(pmt, section);
      }
      const pkt = Buffer.from(buf.subarray(off, off + PACKET_SIZE));
      writeSectionPacket(pkt, 0, section, `PMT packet ${g}`);
      this.queue.replace(g, pkt, 0, PACKET_SIZE);
      this.pmtWaiting.shift();
    }
  }
}
