/**
 * The H.264 elementary stream of one video PID across all its PES packets in a segment. Muxers
 * that bound PES_packet_length split large access units, and so NAL units, over several PES
 * packets; decryptors find NAL units in the stream, not per PES. So NAL units are found in the
 * joined stream, encrypted and escaped there, and each PES gets back the bytes that came from it
 * plus the emulation prevention bytes inserted among them.
 */
import type { BlockChain } from './cbc-chains.js';
import { avcNalUnitsFromPairs, zeroPairs } from './avc-zero-pairs.js';
import { avcBlockChains, escapeProtectedNals, type NalUnit } from './sample-aes-h264.js';

export interface VideoTrack {
  /** PES payloads (views into the PES buffers) in stream order, each with its place for errors. */
  parts: { es: Buffer; where: string }[];
  joined?: Buffer;
  nals?: NalUnit[];
}

/** Join the parts, find the NAL units and register the CBC chain of every protected one. */
export function joinVideoTrack(track: VideoTrack, chains: BlockChain[]): void {
  // Access units over several PES only (one PES is encrypted in its packets, video-pes-in-packets.ts).
  const joined = Buffer.concat(track.parts.map((p) => p.es));
  track.joined = joined;
  track.nals = avcNalUnitsFromPairs(joined, zeroPairs(joined), track.parts[0]?.where ?? 'video');
  for (const c of avcBlockChains(joined, track.nals)) chains.push(c);
}

/**
 * After the chains ran: the new payload of each part, in order. A part keeps its own bytes; an
 * emulation prevention byte inserted right at a part boundary ends the earlier part.
 */
export function splitVideoTrack(track: VideoTrack): Buffer[] {
  const joined = track.joined!;
  const inserts: number[] = [];
  const escaped = escapeProtectedNals(joined, track.nals!, inserts);
  const out: Buffer[] = [];
  let from = 0;
  let sourceEnd = 0;
  let k = 0;
  for (const p of track.parts) {
    sourceEnd += p.es.length;
    while (k < inserts.length && inserts[k] <= sourceEnd) k++;
    const to = sourceEnd + k;
    out.push(escaped.subarray(from, to));
    from = to;
  }
  return out;
}
