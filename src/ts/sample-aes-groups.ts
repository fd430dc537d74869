/**
 * The encryption of what became ready in one push of the SAMPLE-AES stream: the PES packets of
 * each group (one video access unit's, or audio PES ending on a frame) joined into their track's
 * elementary stream (an H.264 access unit in one PES is left in its packets instead, see
 * video-pes-in-packets.ts), every CBC chain through one batched cipher pass (cbc-chains.ts), and the
 * result given back to the packets: only the encrypted blocks when nothing changes size (the
 * usual case), else whole payloads, or new packets where emulation prevention grew a PES.
 */
import type { AudioCodec } from './audio-frames.js';
import { audioSetupInformation } from './audio-setup-info.js';
import { type AudioTrack, joinAudioTrack, scatterAudioTrack } from './audio-track.js';
import type { BlockChain, CbcChainCipher } from './cbc-chains.js';
import type { PesLayout } from './pes.js';
import { gatherPes, type PesBufferPool, type PesPackets, type PesPacketsPool, repacketizePes, writeBackAll, writeBackRange } from './pes-packets.js';
import type { EncryptedStreamType } from './stream-types.js';
import { joinVideoTrack, splitVideoTrack } from './video-track.js';
import { escapeProtectedNals } from './sample-aes-h264.js';
import { repacketizeGrownTail, tailRepacketizable } from './grown-pes-tail.js';
import {
  firstInsert, gatherVideoBlocks, planVideoPes, scatterVideoBlocks, type VideoBlockScratch, type VideoPesInPackets,
} from './video-pes-in-packets.js';

/**
 * A PES whose packets are all in. Audio: its payload gathered into `pes` (a pooled buffer), `es`
 * its elementary stream bytes. H.264: left in its packets (video-pes-in-packets.ts) unless it is
 * part of a group of several PES or escaping grows it, when it is gathered too (materialisePes).
 */
export interface CompletePes { where: string; packets: PesPackets; layout: PesLayout; pes?: Buffer; es?: Buffer }

export function materialisePes(m: CompletePes, pool: PesBufferPool): void {
  if (m.pes) return;
  m.pes = pool.take(m.packets.size);
  gatherPes(m.packets, m.pes);
  m.es = m.pes.subarray(m.layout.esStart, m.layout.esEnd);
}

export interface ReadyGroup { group: CompletePes[]; pid: number; codec: EncryptedStreamType['codec'] }

/** Where the results go: the pools the PES buffers return to, packet replacements, audio setup information by PID. */
export interface GroupSink {
  pool: PesBufferPool;
  lists: PesPacketsPool;
  audioSetup: Map<number, Buffer>;
  replace(g: number, buf: Buffer, off: number, len: number): void;
  /** Blocks of the H.264 PES left in their packets, and the bytes around them (reused from push to push). */
  scratch: VideoBlockScratch;
  /** The stream's cipher, kept from push to push. */
  cipher: CbcChainCipher;
}

export function encryptGroups(groups: ReadyGroup[], sink: GroupSink): void {
  const chains: BlockChain[] = [];
  const inPackets: VideoPesInPackets[] = [];
  let blockCount = 0;
  const jobs = groups.map(({ group, pid, codec }) => {
    if (codec === 'h264' && group.length === 1) {
      // The usual case (one PES per access unit): encrypted in its packets, never gathered.
      const m = group[0]!;
      const v = planVideoPes(m, blockCount);
      blockCount += v.blocks;
      inPackets.push(v);
      return () => {
        scatterVideoBlocks(v, sink.scratch);
        const first = firstInsert(v, sink.scratch);
        if (first < 0) {
          sink.lists.give(m.packets);
          return;
        }
        if (tailRepacketizable(m.packets, m.layout)) {
          // Escaping adds bytes: the packets from the first 0x03 on are packetized again.
          repacketizeGrownTail(m.packets, m.layout, v.nals, first, (g, buf, off, len) => sink.replace(g, buf, off, len), sink.pool);
          sink.lists.give(m.packets);
          return;
        }
        // Escaping adds bytes and the header changes: gathered (encrypted), escaped and re-packetized.
        materialisePes(m, sink.pool);
        const escaped = escapeProtectedNals(m.es!, v.nals, undefined, (length) => sink.pool.take(length));
        resolvePes(m, escaped, sink);
        if (escaped !== m.es) sink.pool.give(escaped);
      };
    }
    for (const m of group) materialisePes(m, sink.pool);
    const parts = group.map((m) => ({ es: m.es!, where: m.where }));
    const from = chains.length;
    if (codec === 'h264') {
      const video = { parts };
      joinVideoTrack(video, chains);
      // Several PES (NAL units across PES boundaries): joined, escaped, split again.
      return () => {
        const outs = splitVideoTrack(video);
        group.forEach((m, i) => resolvePes(m, outs[i]!, sink));
      };
    }
    const audio: AudioTrack = { codec: codec as AudioCodec, parts };
    const first = joinAudioTrack(audio, chains);
    const to = chains.length;
    if (first && !sink.audioSetup.has(pid)) sink.audioSetup.set(pid, audioSetupInformation(audio.codec, first, parts[0]!.where));
    return () => {
      if (group.length === 1 && audio.joined === group[0]!.es) {
        writeBackChains(group[0]!, chains, from, to, sink);
        return;
      }
      scatterAudioTrack(audio);
      for (const m of group) resolvePes(m, m.es!, sink);
    };
  });
  if (blockCount > 0) gatherVideoBlocks(inPackets, blockCount, sink.scratch, chains);
  sink.cipher.encrypt(chains);
  for (const finish of jobs) finish();
}

/** Size unchanged, one PES: only the encrypted blocks go back into the packets. */
function writeBackChains(m: CompletePes, chains: BlockChain[], from: number, to: number, sink: GroupSink): void {
  const pes = m.pes!;
  const base = m.es!.byteOffset - pes.byteOffset;
  const cursor = { k: 0, at: 0 };
  for (let c = from; c < to; c++) {
    const chain = chains[c]!;
    if (chain.count <= 0) continue;
    if (chain.stride === 16) {
      writeBackRange(m.packets, pes, base + chain.start, base + chain.start + chain.count * 16, cursor);
      continue;
    }
    for (let k = 0, at = base + chain.start; k < chain.count; k++, at += chain.stride) writeBackRange(m.packets, pes, at, at + 16, cursor);
  }
  sink.pool.give(pes);
  sink.lists.give(m.packets);
}

/** Give a PES its new payload: in its packets when the size held, else re-packetized. */
export function resolvePes(m: CompletePes, newEs: Buffer, sink: GroupSink): void {
  const pes = m.pes!;
  const es = m.es!;
  if (newEs.length === es.length) {
    if (newEs !== es) newEs.copy(es);
    writeBackAll(m.packets, pes);
  } else {
    repacketizePes(m.packets, pes, m.layout, newEs, m.where, (g, buf, off, len) => sink.replace(g, buf, off, len), sink.pool);
  }
  sink.pool.give(pes);
  sink.lists.give(m.packets);
}
