/**
 * SAMPLE-AES over one MPEG-TS segment (Apple, MPEG-2 Stream Encryption Format for HTTP Live
 * Streaming): find PAT/PMT, reassemble each elementary stream's PES packets, encrypt their frames
 * (H.264 NAL units, ADTS AAC, AC-3/E-AC-3 syncframes), put the bytes back (in place when the size
 * is unchanged, re-packetized when emulation prevention grew a video PES), rewrite the PMT with the
 * encrypted stream types and descriptors, and make continuity counters continuous.
 * Pure: buffer in, new buffer out; the input is never modified.
 */
import { MediaError } from '../errors.js';
import { checkAesParams as checkAesKeyIv } from './aes128.js';
import { audioSetupInformation } from './audio-setup-info.js';
import { checkPacketGrid, PACKET_SIZE, readPacketHeader } from './packet.js';
import { packetizePes, renumberContinuity } from './pes-packetizer.js';
import { type PesLayout, readPesLayout, rebuildPes } from './pes.js';
import { buildPmtSection, type Pmt, writeSectionPacket } from './psi.js';
import { findProgramTables, hex } from './program-tables.js';
import { type BlockChain, cbcEncryptChains } from './cbc-chains.js';
import { type AudioTrack, joinAudioTrack, scatterAudioTrack } from './audio-track.js';
import { joinVideoTrack, splitVideoTrack, type VideoTrack } from './video-track.js';
import { encryptedStreamDescriptors, type EncryptedStreamType } from './stream-types.js';

interface PesJob {
  st: PesInProgress;
  pes: Buffer;
  layout: PesLayout;
  where: string;
  /** H.264 only: the payload after encryption and escaping (see splitVideoTrack). */
  newEs?: Buffer;
}

/** Byte loop: packet payloads are at most 184 bytes, where Buffer#copy's per-call cost dominates. */
function copyRange(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  for (let i = start, o = at; i < end; i++, o++) dst[o] = src[i];
  return end - start;
}

interface PesInProgress {
  firstIndex: number;
  packetOffsets: number[];
  /** [start, end) payload ranges in the input. */
  ranges: number[];
  size: number;
}

export interface SampleAesStream {
  pid: number;
  codec: EncryptedStreamType['codec'];
  /** PES packets encrypted on this PID. */
  pesCount: number;
}

export function encryptSampleAesSegment(input: Buffer, key: Buffer, iv: Buffer): Buffer {
  return encryptSampleAesSegmentDetailed(input, key, iv).data;
}

/** Same, also reporting which elementary streams were encrypted. */
export function encryptSampleAesSegmentDetailed(input: Buffer, key: Buffer, iv: Buffer): { data: Buffer; streams: SampleAesStream[] } {
  checkAesKeyIv(key, iv);
  const count = checkPacketGrid(input);
  const { pmtPackets, streams } = findProgramTables(input, count);
  const work = Buffer.from(input);
  const replacements = new Map<number, Buffer[]>();
  const audioSetup = new Map<number, Buffer>();
  const open = new Map<number, PesInProgress>();

  const pesCount = new Map<number, number>();
  // Every PES is gathered and its CBC chains registered; one batched cipher pass then encrypts
  // the chains of the whole segment, and each PES is put back (see putBack).
  const jobs: PesJob[] = [];
  const chains: BlockChain[] = [];
  const collected: { pid: number; st: PesInProgress }[] = [];
  const audioTracks = new Map<number, AudioTrack>();
  const videoTracks = new Map<number, VideoTrack & { jobs: PesJob[] }>();
  let arena = Buffer.alloc(0);
  let arenaUsed = 0;
  const finish = (pid: number, st: PesInProgress) => {
    const type = streams.get(pid)!;
    pesCount.set(pid, (pesCount.get(pid) ?? 0) + 1);
    const where = `PID ${hex(pid)} PES at packet ${st.firstIndex}`;
    const pes = arena.subarray(arenaUsed, arenaUsed + st.size);
    arenaUsed += st.size;
    for (let k = 0, p = 0; k < st.ranges.length; k += 2) p += copyRange(input, st.ranges[k], st.ranges[k + 1], pes, p);
    const layout = readPesLayout(pes, where);
    const es = pes.subarray(layout.esStart, layout.esEnd);
    const job: PesJob = { st, pes, layout, where };
    if (type.codec === 'h264') {
      let track = videoTracks.get(pid);
      if (!track) videoTracks.set(pid, track = { parts: [], jobs: [] });
      track.parts.push({ es, where });
      track.jobs.push(job);
    } else {
      let track = audioTracks.get(pid);
      if (!track) audioTracks.set(pid, track = { codec: type.codec, parts: [] });
      track.parts.push({ es, where });
    }
    jobs.push(job);
  };

  const putBack = (job: PesJob) => {
    const { st, pes, layout, where } = job;
    if (job.newEs) {
      const es = pes.subarray(layout.esStart, layout.esEnd);
      if (job.newEs.length === es.length) {
        job.newEs.copy(es);
      } else {
        // Emulation prevention grew this PES: spread it over packets again.
        const packets = packetizePes(input, st.packetOffsets, rebuildPes(pes, layout, job.newEs, where));
        const idx = st.packetOffsets.map((o) => o / PACKET_SIZE);
        for (let j = 0; j < idx.length; j++) {
          replacements.set(idx[j], j < idx.length - 1 ? packets.slice(j, j + 1) : packets.slice(j));
        }
        return;
      }
    }
    for (let k = 0, p = 0; k < st.ranges.length; k += 2) p += copyRange(pes, p, p + st.ranges[k + 1] - st.ranges[k], work, st.ranges[k]);
  };

  for (let i = 0; i < count; i++) {
    const o = i * PACKET_SIZE;
    const h = readPacketHeader(input, o, i);
    if (!streams.has(h.pid) || !h.hasPayload) continue;
    let st = open.get(h.pid);
    if (h.payloadUnitStart) {
      if (st) collected.push({ pid: h.pid, st });
      st = { firstIndex: i, packetOffsets: [], ranges: [], size: 0 };
      open.set(h.pid, st);
    } else if (!st) {
      throw new MediaError('ERR_TS_PES_CONTINUATION',
        `PID ${hex(h.pid)} packet ${i}: payload continues a PES that started before this segment`, { where: `packet ${i}@${o}` });
    }
    st.packetOffsets.push(o);
    st.ranges.push(h.payloadOffset, o + PACKET_SIZE);
    st.size += o + PACKET_SIZE - h.payloadOffset;
  }
  for (const [pid, st] of open) collected.push({ pid, st });
  // All PES bytes in one arena: the batched cipher then walks a single buffer.
  arena = Buffer.allocUnsafe(collected.reduce((n, c) => n + c.st.size, 0));
  // PES in stream order per PID (collected is in completion order, which is stream order per PID).
  for (const { pid, st } of collected) finish(pid, st);
  for (const track of videoTracks.values()) joinVideoTrack(track, chains);
  for (const [pid, track] of audioTracks) {
    const first = joinAudioTrack(track, chains);
    if (first) audioSetup.set(pid, audioSetupInformation(track.codec, first, track.parts[0]!.where));
  }
  cbcEncryptChains(chains, key, iv);
  for (const track of audioTracks.values()) scatterAudioTrack(track);
  for (const track of videoTracks.values()) splitVideoTrack(track).forEach((es, i) => { track.jobs[i]!.newEs = es; });
  for (const job of jobs) putBack(job);

  const rebuilt = new Map<Pmt, Buffer>();
  for (const { index, pmt } of pmtPackets) {
    const cached = rebuilt.get(pmt);
    if (cached) {
      writeSectionPacket(work, index * PACKET_SIZE, cached, `PMT packet ${index}`);
      continue;
    }
    const rewritten: Pmt = {
      ...pmt,
      streams: pmt.streams.map((s) => {
        const type = streams.get(s.pid);
        if (!type) return s;
        return { streamType: type.encryptedType, pid: s.pid, descriptors: encryptedStreamDescriptors(type, s.descriptors, audioSetup.get(s.pid)) };
      }),
    };
    const section = buildPmtSection(rewritten);
    rebuilt.set(pmt, section);
    writeSectionPacket(work, index * PACKET_SIZE, section, `PMT packet ${index}`);
  }

  const out = replacements.size === 0 ? work : assemble(work, count, replacements);
  renumberContinuity(out, new Set(streams.keys()));
  return { data: out, streams: [...streams].map(([pid, t]) => ({ pid, codec: t.codec, pesCount: pesCount.get(pid) ?? 0 })) };
}

function assemble(work: Buffer, count: number, replacements: Map<number, Buffer[]>): Buffer {
  let packets = count;
  for (const r of replacements.values()) packets += r.length - 1;
  const out = Buffer.allocUnsafe(packets * PACKET_SIZE);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const r = replacements.get(i);
    if (!r) {
      o += work.copy(out, o, i * PACKET_SIZE, (i + 1) * PACKET_SIZE);
    } else {
      for (const p of r) o += p.copy(out, o);
    }
  }
  return out;
}
