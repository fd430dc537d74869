/**
 * The encryption of what became ready in one push of the SAMPLE-AES stream: the PES packets of
 * each group (one video access unit's, or audio PES ending on a frame) joined into their track's
 * elementary stream, every CBC chain through one batched cipher pass (cbc-chains.ts), and the
 * result given back to the packets: only the encrypted blocks when nothing changes size (the
 * usual case), else whole payloads, or new packets where emulation prevention grew a PES.
 */
import type { AudioCodec } from './audio-frames.js';
import { audioSetupInformation } from './audio-setup-info.js';
import { type AudioTrack, joinAudioTrack, scatterAudioTrack } from './audio-track.js';
import { type BlockChain, cbcEncryptChains } from './cbc-chains.js';
import type { PesLayout } from './pes.js';
import { type PesBufferPool, type PesPackets, type PesPacketsPool, repacketizePes, writeBackAll, writeBackRange } from './pes-packets.js';
import type { EncryptedStreamType } from './stream-types.js';
import { joinVideoTrack, splitVideoTrack, videoTrackGrows } from './video-track.js';

/** A PES whose packets are all in: its payload gathered into `pes` (a pooled buffer). */
export interface CompletePes { where: string; packets: PesPackets; pes: Buffer; layout: PesLayout; es: Buffer }

export interface ReadyGroup { group: CompletePes[]; pid: number; codec: EncryptedStreamType['codec'] }

/** Where the results go: the pools the PES buffers return to, packet replacements, audio setup information by PID. */
export interface GroupSink {
  pool: PesBufferPool;
  lists: PesPacketsPool;
  audioSetup: Map<number, Buffer>;
  replace(g: number, buf: Buffer, off: number, len: number): void;
}

export function encryptGroups(groups: ReadyGroup[], key: Buffer, iv: Buffer, sink: GroupSink): void {
  const chains: BlockChain[] = [];
  const jobs = groups.map(({ group, pid, codec }) => {
    const parts = group.map((m) => ({ es: m.es, where: m.where }));
    const from = chains.length;
    if (codec === 'h264') {
      const video = { parts };
      joinVideoTrack(video, chains);
      const to = chains.length;
      return () => {
        if (group.length === 1 && !videoTrackGrows(video)) {
          writeBackChains(group[0]!, chains, from, to, sink);
          return;
        }
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
      for (const m of group) resolvePes(m, m.es, sink);
    };
  });
  cbcEncryptChains(chains, key, iv);
  for (const finish of jobs) finish();
}

/** Size unchanged, one PES: only the encrypted blocks go back into the packets. */
function writeBackChains(m: CompletePes, chains: BlockChain[], from: number, to: number, sink: GroupSink): void {
  const base = m.es.byteOffset - m.pes.byteOffset;
  const cursor = { k: 0, at: 0 };
  for (let c = from; c < to; c++) {
    const chain = chains[c]!;
    if (chain.count <= 0) continue;
    if (chain.stride === 16) {
      writeBackRange(m.packets, m.pes, base + chain.start, base + chain.start + chain.count * 16, cursor);
      continue;
    }
    for (let k = 0, at = base + chain.start; k < chain.count; k++, at += chain.stride) writeBackRange(m.packets, m.pes, at, at + 16, cursor);
  }
  sink.pool.give(m.pes);
  sink.lists.give(m.packets);
}

/** Give a PES its new payload: in its packets when the size held, else re-packetized. */
function resolvePes(m: CompletePes, newEs: Buffer, sink: GroupSink): void {
  if (newEs.length === m.es.length) {
    if (newEs !== m.es) newEs.copy(m.es);
    writeBackAll(m.packets, m.pes);
  } else {
    repacketizePes(m.packets, m.pes, m.layout, newEs, m.where, (g, buf, off, len) => sink.replace(g, buf, off, len));
  }
  sink.pool.give(m.pes);
  sink.lists.give(m.packets);
}
