/**
 * SAMPLE-AES over one MPEG-TS segment in memory (Apple, MPEG-2 Stream Encryption Format for HTTP
 * Live Streaming): the streaming encryptor fed with the whole segment at once.
 * Pure: buffer in, new buffer out; the input is never modified.
 */
import { SampleAesEncryptor, type SampleAesStreamInfo } from './sample-aes-stream.js';

export type SampleAesStream = SampleAesStreamInfo;

export function encryptSampleAesSegment(input: Buffer, key: Buffer, iv: Buffer): Buffer {
  return encryptSampleAesSegmentDetailed(input, key, iv).data;
}

/** Same, also reporting which elementary streams were encrypted. */
export function encryptSampleAesSegmentDetailed(input: Buffer, key: Buffer, iv: Buffer): { data: Buffer; streams: SampleAesStream[] } {
  const { parts, streams } = encryptSampleAesInPlace(Buffer.from(input), key, iv);
  return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts), streams };
}

/** Bytes fed to the encryptor at a time: finished packets leave early, so memory is bounded by the PES in flight rather than the segment. */
const FEED = 1 << 20;

/**
 * SAMPLE-AES inside `segment` (it becomes the encryptor's): the output as parts to write in
 * order, mostly views of `segment`, new buffers only where a PES was re-packetized.
 */
export function encryptSampleAesInPlace(segment: Buffer, key: Buffer, iv: Buffer): { parts: Buffer[]; streams: SampleAesStream[] } {
  const encryptor = new SampleAesEncryptor(key, iv, { inPlace: true });
  const parts: Buffer[] = [];
  for (let o = 0; o < segment.length; o += FEED) {
    const out = encryptor.push(segment.subarray(o, Math.min(segment.length, o + FEED)));
    if (out.length > 0) parts.push(out);
  }
  const tail = encryptor.end();
  if (tail.length > 0 || parts.length === 0) parts.push(tail);
  return { parts, streams: encryptor.streams() };
}
