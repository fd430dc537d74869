/**
 * The elementary stream of one audio PID across all its PES packets in a segment. Muxers may
 * split an ADTS or AC-3 frame across two PES packets, and decryptors (ffmpeg's parsers, hls.js)
 * find frames across PES boundaries, so frames are found in the joined stream, encrypted there,
 * and the bytes go back into each PES payload (sizes never change for audio).
 */
import { type AudioCodec, readAudioFrame } from './audio-frames.js';
import type { BlockChain } from './cbc-chains.js';
import { audioProtectedRange } from './sample-aes-audio.js';

export interface AudioTrack {
  codec: AudioCodec;
  /** PES payloads (views into the PES buffers) in stream order, each with its place for errors. */
  parts: { es: Buffer; where: string }[];
  /** Set by joinAudioTrack. */
  joined?: Buffer;
}

/**
 * Join the parts, register the CBC chain of every frame in `chains`, and return the first frame
 * (for the audio setup information), if any.
 */
export function joinAudioTrack(track: AudioTrack, chains: BlockChain[]): Buffer | undefined {
  // One part (the usual case: whole frames per PES) is encrypted where it is, without a copy.
  const single = track.parts.length === 1;
  let total = 0;
  for (const p of track.parts) total += p.es.length;
  const joined = single ? track.parts[0].es : Buffer.allocUnsafe(total);
  const partEnds: number[] = [];
  let o = 0;
  for (const p of track.parts) {
    o += single ? p.es.length : p.es.copy(joined, o);
    partEnds.push(o);
  }
  track.joined = joined;
  let first: Buffer | undefined;
  let part = 0;
  for (let p = 0; p < joined.length;) {
    while (partEnds[part] <= p) part++;
    const frame = readAudioFrame(track.codec, joined, p, track.parts[part].where);
    first ??= joined.subarray(frame.offset, frame.offset + frame.length);
    const [start, end] = audioProtectedRange(frame.offset, frame.length, frame.headerLength);
    if (end > start) chains.push({ buf: joined, start, stride: 16, count: (end - start) / 16 });
    p += frame.length;
  }
  return first && Buffer.from(first);
}

/** After the chains ran: copy the encrypted stream back into each PES payload. */
export function scatterAudioTrack(track: AudioTrack): void {
  if (track.parts.length === 1 && track.joined === track.parts[0].es) return;
  let o = 0;
  for (const p of track.parts) o += track.joined!.copy(p.es, 0, o, o + p.es.length);
}
