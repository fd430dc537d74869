/**
 * SAMPLE-AES as a stream: push transport stream chunks, get encrypted packets back in the same
 * order, with memory bounded by what is in flight (the PES packets not yet complete and the packets
 * interleaved with them), not by the input size.
 *
 * Every input packet becomes a slot in an output queue; slots of elementary stream PES packets are
 * resolved once their frames are encrypted, the PMT once the audio setup information is known
 * (it comes from the first audio frame), and the queue is emitted from its head up to the first
 * unresolved slot. Frames are found in the stream of each PID, across PES boundaries (see
 * audio-track.ts, video-track.ts); the CBC chains of everything that became ready in one push go
 * through one batched cipher pass (cbc-chains.ts).
 */
import { MediaError } from '../errors.js';
import { checkAesParams } from './aes128.js';
import { type AudioCodec, audioFrameLength } from './audio-frames.js';
import { audioSetupInformation } from './audio-setup-info.js';
import { joinAudioTrack, scatterAudioTrack } from './audio-track.js';
import { type BlockChain, cbcEncryptChains } from './cbc-chains.js';
import { PACKET_SIZE, PID_PAT, readPacketHeader, SYNC_BYTE } from './packet.js';
import { readPesLayout } from './pes.js';
import { type CompletePes, copyBytes, resolvePesSlots, type Slot, SlotOutput } from './slot-output.js';
import { classifyPmtStreams, hex } from './program-tables.js';
import { buildPmtSection, parsePat, parsePmt, type Pmt, writeSectionPacket } from './psi.js';
import { type EncryptedStreamType, encryptedStreamDescriptors } from './stream-types.js';
import { joinVideoTrack, splitVideoTrack } from './video-track.js';

interface PesInProgress { firstIndex: number; slots: Slot[]; size: number }

interface Track { pid: number; type: EncryptedStreamType; pending: CompletePes[]; pesCount: number }

export interface SampleAesStreamInfo {
  pid: number;
  codec: EncryptedStreamType['codec'];
  /** PES packets encrypted on this PID. */
  pesCount: number;
}

function startsWithStartCode(es: Buffer): boolean {
  return es.length >= 3 && es[0] === 0 && es[1] === 0 && (es[2] === 1 || (es[2] === 0 && es.length >= 4 && es[3] === 1));
}

/** Packets held while looking for the PAT and PMT (about 19 MB): HLS segments start with them. */
const MAX_PACKETS_BEFORE_TABLES = 100_000;

export class SampleAesEncryptor {
  private rest: Buffer | undefined;
  private count = 0;
  private pmtPids: Set<number> | undefined;
  /** Packets held until the PAT and a PMT are known. */
  private held: Slot[] | undefined = [];
  private lastPmt: { section: Buffer; pmt: Pmt } | undefined;
  private readonly pmtWaiting: { slot: Slot; pmt: Pmt }[] = [];
  private readonly rebuilt = new Map<Pmt, Buffer>();
  private readonly audioSetup = new Map<number, Buffer>();
  private readonly tracks = new Map<number, Track>();
  private readonly open = new Map<number, PesInProgress>();
  private queue: Slot[] = [];
  private head = 0;
  private ready: Track['pending'][] = [];
  private readyTracks: Track[] = [];
  private readonly cc = new Map<number, number>();
  private ended = false;

  /**
   * With `inPlace`, the buffers given to push() become the encryptor's: unchanged-size PES packets
   * are encrypted inside them and emitted as views, which saves a copy of every packet. Without
   * it the input is never modified.
   */
  constructor(private readonly key: Buffer, private readonly iv: Buffer, private readonly options: { inPlace?: boolean } = {}) {
    checkAesParams(key, iv);
  }

  /** Feed the next bytes (any length); returns the encrypted packets that are final so far. */
  push(chunk: Buffer): Buffer {
    let o = 0;
    if (this.rest) {
      const need = PACKET_SIZE - this.rest.length;
      if (chunk.length < need) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return Buffer.alloc(0);
      }
      this.packet(Buffer.concat([this.rest, chunk.subarray(0, need)]), 0);
      this.rest = undefined;
      o = need;
    }
    for (; o + PACKET_SIZE <= chunk.length; o += PACKET_SIZE) this.packet(chunk, o);
    if (o < chunk.length) this.rest = Buffer.from(chunk.subarray(o));
    return this.drain();
  }

  /** No more input: completes the last PES packets and returns the rest of the output. */
  end(): Buffer {
    if (this.rest) {
      const at = this.count * PACKET_SIZE;
      throw new MediaError('ERR_TS_TRUNCATED', `truncated packet ${this.count} at offset ${at}: ${this.rest.length} of ${PACKET_SIZE} bytes`, { where: `packet ${this.count}@${at}` });
    }
    if (this.count === 0) throw new MediaError('ERR_TS_EMPTY', 'transport stream is empty', { where: 'packet 0' });
    if (this.held) {
      if (!this.pmtPids) throw new MediaError('ERR_TS_NO_PMT', `no PAT in ${this.count} packets, so no PMT to find`, { where: 'PID 0x0' });
      const pids = [...this.pmtPids].map(hex).join(', ');
      throw new MediaError('ERR_TS_NO_PMT', `no PMT on PID ${pids} in ${this.count} packets`, { where: `PID ${pids}` });
    }
    for (const [pid, st] of this.open) this.complete(pid, st);
    this.open.clear();
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

  private packet(buf: Buffer, off: number): void {
    const index = this.count++;
    if (buf[off] !== SYNC_BYTE) {
      throw new MediaError('ERR_TS_SYNC', `lost sync: packet ${index} at offset ${index * PACKET_SIZE} starts with 0x${buf[off].toString(16).padStart(2, '0')}, not 0x47`,
        { where: `packet ${index}@${index * PACKET_SIZE}` });
    }
    const slot: Slot = { buf, off, index, pid: ((buf[off + 1] & 0x1f) << 8) | buf[off + 2], ready: true };
    if (this.held) this.findTables(slot);
    else this.route(slot);
  }

  /** Before PAT and PMT are known: hold packets, then replay them in order. */
  private findTables(slot: Slot): void {
    const held = this.held!;
    held.push(slot);
    if (held.length > MAX_PACKETS_BEFORE_TABLES) {
      throw new MediaError('ERR_TS_NO_PMT', `no ${this.pmtPids ? 'PMT' : 'PAT'} in the first ${held.length} packets`, { where: `packet ${slot.index}` });
    }
    const h = readPacketHeader(slot.buf, slot.off, slot.index);
    if (!h.payloadUnitStart || !h.hasPayload) return;
    let found = false;
    if (slot.pid === PID_PAT && !this.pmtPids) {
      this.pmtPids = new Set(parsePat(slot.buf, h.payloadOffset, slot.off, `PAT packet ${slot.index}`).values());
      found = held.some((s) => this.pmtPids!.has(s.pid) && (s.buf[s.off + 1] & 0x40) !== 0);
    } else if (this.pmtPids?.has(slot.pid)) {
      found = true;
    }
    if (!found) return;
    this.held = undefined;
    for (const s of held) this.route(s);
  }

  private route(slot: Slot): void {
    const h = readPacketHeader(slot.buf, slot.off, slot.index);
    this.queue.push(slot);
    if (this.pmtPids!.has(slot.pid)) {
      if (h.payloadUnitStart && h.hasPayload) this.pmtPacket(slot, h.payloadOffset);
      return;
    }
    const track = this.tracks.get(slot.pid);
    if (!track || !h.hasPayload) return;
    slot.ready = false;
    slot.payloadStart = h.payloadOffset;
    let st = this.open.get(slot.pid);
    if (h.payloadUnitStart) {
      if (st) this.complete(slot.pid, st);
      st = { firstIndex: slot.index, slots: [], size: 0 };
      this.open.set(slot.pid, st);
    } else if (!st) {
      throw new MediaError('ERR_TS_PES_CONTINUATION',
        `PID ${hex(slot.pid)} packet ${slot.index}: payload continues a PES that started before this segment`, { where: `packet ${slot.index}@${slot.index * PACKET_SIZE}` });
    }
    st.slots.push(slot);
    st.size += slot.off + PACKET_SIZE - h.payloadOffset;
  }

  private pmtPacket(slot: Slot, payloadOffset: number): void {
    // The PMT repeats every few packets, usually unchanged: parse each distinct section once.
    const section = slot.buf.subarray(payloadOffset, slot.off + PACKET_SIZE);
    let pmt = this.lastPmt?.section.equals(section) ? this.lastPmt.pmt : undefined;
    if (!pmt) {
      pmt = parsePmt(slot.buf, payloadOffset, slot.off, `PMT PID ${hex(slot.pid)} packet ${slot.index}`);
      this.lastPmt = { section: Buffer.from(section), pmt };
      for (const [pid, type] of classifyPmtStreams(pmt, slot.index)) {
        if (!this.tracks.has(pid)) this.tracks.set(pid, { pid, type, pending: [], pesCount: 0 });
      }
    }
    slot.ready = false;
    this.pmtWaiting.push({ slot, pmt });
  }

  private complete(pid: number, st: PesInProgress): void {
    const track = this.tracks.get(pid)!;
    const where = `PID ${hex(pid)} PES at packet ${st.firstIndex}`;
    const pes = Buffer.allocUnsafe(st.size);
    let p = 0;
    for (const s of st.slots) p += copyBytes(s.buf, s.payloadStart!, s.off + PACKET_SIZE, pes, p);
    const layout = readPesLayout(pes, where);
    const done: CompletePes = { where, slots: st.slots, pes, layout, es: pes.subarray(layout.esStart, layout.esEnd) };
    track.pesCount++;
    if (track.type.codec === 'h264') {
      // NAL units may continue into the next PES; a PES starting with a start code closes the ones before.
      if (track.pending.length > 0 && startsWithStartCode(done.es)) {
        this.markReady(track, track.pending);
        track.pending = [];
      }
      track.pending.push(done);
    } else {
      track.pending.push(done);
      if (this.audioEndsOnFrame(track)) {
        this.markReady(track, track.pending);
        track.pending = [];
      }
    }
  }

  private audioEndsOnFrame(track: Track): boolean {
    const parts = track.pending;
    const data = parts.length === 1 ? parts[0].es : Buffer.concat(parts.map((x) => x.es));
    const where = parts[parts.length - 1].where;
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

  private drain(): Buffer {
    if (this.ready.length > 0) this.encryptReady();
    this.resolvePmts();
    const out = new SlotOutput(this.cc, this.options.inPlace === true);
    while (this.head < this.queue.length && this.queue[this.head].ready) {
      const slot = this.queue[this.head++];
      out.emit(slot, this.tracks.has(slot.pid));
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out.finish();
  }

  private encryptReady(): void {
    const chains: BlockChain[] = [];
    const groups = this.ready;
    const tracks = this.readyTracks;
    this.ready = [];
    this.readyTracks = [];
    const jobs = groups.map((group, g) => {
      const track = tracks[g];
      const parts = group.map((m) => ({ es: m.es, where: m.where }));
      if (track.type.codec === 'h264') {
        const video = { parts };
        joinVideoTrack(video, chains);
        return () => splitVideoTrack(video).forEach((es, i) => resolvePesSlots(group[i], es, this.options.inPlace === true));
      }
      const audio = { codec: track.type.codec as AudioCodec, parts };
      const first = joinAudioTrack(audio, chains);
      if (first && !this.audioSetup.has(track.pid)) this.audioSetup.set(track.pid, audioSetupInformation(audio.codec, first, parts[0].where));
      return () => {
        scatterAudioTrack(audio);
        for (const m of group) resolvePesSlots(m, m.es, this.options.inPlace === true);
      };
    });
    cbcEncryptChains(chains, this.key, this.iv);
    for (const finish of jobs) finish();
  }

  /** A PMT is rewritten once every audio stream in it has its setup information (or input ended). */
  private resolvePmts(): void {
    while (this.pmtWaiting.length > 0) {
      const { slot, pmt } = this.pmtWaiting[0];
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
      const pkt = Buffer.from(slot.buf.subarray(slot.off, slot.off + PACKET_SIZE));
      writeSectionPacket(pkt, 0, section, `PMT packet ${slot.index}`);
      slot.outBuf = pkt;
      slot.outOff = 0;
      slot.outLen = PACKET_SIZE;
      slot.ready = true;
      this.pmtWaiting.shift();
    }
  }

}


