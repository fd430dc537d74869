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
  const encryptor = new SampleAesEncryptor(key, iv, { inPlace: true });
  const head = encryptor.push(Buffer.from(input));
  const tail = encryptor.end();
  return { data: tail.length === 0 ? head : Buffer.concat([head, tail]), streams: encryptor.streams() };
}
