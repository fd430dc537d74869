/**
 * SAMPLE-AES for audio frames (Apple, MPEG-2 Stream Encryption Format for HTTP Live Streaming,
 * §2.3.2 AAC, §2.3.3 AC-3): the ADTS header (7 or 9 bytes) or nothing for AC-3, then 16 bytes
 * clear, then every whole 16-byte block AES-128-CBC encrypted, the trailing partial block clear;
 * IV reset per frame. Frame sizes never change, so the payload is encrypted in place in a copy.
 */
import { createDecipheriv } from 'node:crypto';
import { type BlockChain, cbcEncryptChains } from './cbc-chains.js';
import { type AudioCodec, readAudioFrame } from './audio-frames.js';

const AUDIO_CLEAR_LEADER = 16;

/** [start, end) of the protected bytes of a frame, empty when it has no whole block past the leader. */
export function audioProtectedRange(frameOffset: number, frameLength: number, headerLength: number): [number, number] {
  const start = frameOffset + headerLength + AUDIO_CLEAR_LEADER;
  const blocks = Math.max(0, Math.floor((frameLength - headerLength - AUDIO_CLEAR_LEADER) / 16));
  return [start, start + blocks * 16];
}

/** The CBC chain of each audio frame of one PES payload with whole blocks past its leader. */
export function audioBlockChains(codec: AudioCodec, es: Buffer, where: string): BlockChain[] {
  const chains: BlockChain[] = [];
  let p = 0;
  while (p < es.length) {
    const frame = readAudioFrame(codec, es, p, where);
    const [start, end] = audioProtectedRange(frame.offset, frame.length, frame.headerLength);
    if (end > start) chains.push({ buf: es, start, stride: 16, count: (end - start) / 16 });
    p += frame.length;
  }
  return chains;
}

/** Encrypt every frame of one PES payload on its own; the result has the same length. */
export function encryptAudioElementaryStream(codec: AudioCodec, es: Buffer, key: Buffer, iv: Buffer, where: string): Buffer {
  const out = Buffer.from(es);
  cbcEncryptChains(audioBlockChains(codec, out, where), key, iv);
  return out;
}

/** Reference decryptor (tests): node's CBC per frame, independent of the batched encryptor. */
export function decryptAudioElementaryStream(codec: AudioCodec, es: Buffer, key: Buffer, iv: Buffer, where = 'audio'): Buffer {
  const out = Buffer.from(es);
  let p = 0;
  while (p < es.length) {
    const frame = readAudioFrame(codec, es, p, where);
    const [start, end] = audioProtectedRange(frame.offset, frame.length, frame.headerLength);
    if (end > start) {
      const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      d.update(es.subarray(start, end)).copy(out, start);
      d.final();
    }
    p += frame.length;
  }
  return out;
}
