/**
 * MPEG-TS segments for HLS: METHOD=AES-128 (whole segment, streamed file to file in 1 MB chunks
 * with one cipher, constant memory) and METHOD=SAMPLE-AES (per sample, streamed through the
 * SAMPLE-AES encryptor: memory bounded by the PES packets in flight). Output goes to a temporary
 * file in the output's directory and is renamed into place; on any error it is removed. The
 * result carries the EXT-X-KEY line for the media playlist.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { IoError, KeyError, MediaError, SegcryptError, UsageError } from '../errors.js';
import { type ContentKey, type KeyProvider, type KeySet, keyForTrack } from '../keys/content-key.js';
import { fairPlaySkdUri } from '../keys/drm/index.js';
import { hlsKeyTags } from '../signaling/index.js';
import {
  checkAesParams, createAes128SegmentCipher, encryptAes128Segment, encryptSampleAesSegmentDetailed,
  PACKET_SIZE, SampleAesEncryptor, type SampleAesStreamInfo, sequenceNumberIv, SYNC_BYTE,
} from '../ts/index.js';
import { AtomicOutput } from './atomic-output.js';
import { pumpFile, type ChunkStage, type PumpOptions } from './chunk-pump.js';
import { openInput } from './input-file.js';
import type { EncryptedTrack, EncryptOptions, EncryptResult } from './types.js';

export type TsScheme = 'aes-128' | 'sample-aes';

/** keyUri and sequenceNumber are EncryptOptions (src/api/types.ts). */
export type TsEncryptOptions = EncryptOptions;

/**
 * EXT-X-KEY URI of AES-128 when neither the caller (keyUri) nor the key server gave one: a
 * placeholder for a key file next to the playlist, which the caller writes (or edits the line).
 */
export const AES128_PLACEHOLDER_KEY_URI = 'key.bin';

export interface TsEncryptResult extends EncryptResult {
  /**
   * The `#EXT-X-KEY:...` line(s) to put before this segment in the media playlist, from
   * signaling/hlsKeyTags (one line per DRM system, joined with '\n'), with IV=.
   */
  extXKey: string;
  /** The 16-byte IV used, as 0x-prefixed hex (also in extXKey). */
  iv: string;
}

export interface TsSegmentOptions {
  scheme: TsScheme;
  key: ContentKey;
  iv?: Buffer;
  sequenceNumber?: number;
}

function checkScheme(scheme: string): asserts scheme is TsScheme {
  if (scheme !== 'aes-128' && scheme !== 'sample-aes') {
    throw new UsageError('ERR_SCHEME', `scheme '${scheme}' does not apply to MPEG-TS: use 'aes-128' or 'sample-aes'`, { where: 'scheme' });
  }
}

/**
 * The IV when the caller gives none: the key's own IV, else the media sequence number as a
 * 128-bit big-endian integer, for AES-128 and SAMPLE-AES alike (RFC 8216 §5.2), so a playlist
 * written without an IV attribute still matches the segments (encryptPackage relies on it).
 * For SAMPLE-AES prefer one explicit IV for all segments: FairPlay expects it, and ffmpeg 5.1's hls
 * demuxer decrypts the packets still buffered at a segment boundary with the next segment's IV.
 */
export function tsSegmentIv(key: ContentKey, iv: Buffer | undefined, sequenceNumber: number | undefined): Buffer {
  const chosen = iv ?? (key.iv?.length === 16 ? key.iv : undefined) ?? sequenceNumberIv(sequenceNumber ?? 0);
  checkAesParams(key.key, chosen);
  return chosen;
}

/** One segment in memory: AES-128 (PKCS7-padded ciphertext) or SAMPLE-AES (a valid TS). */
export function encryptTsSegment(buf: Buffer, options: TsSegmentOptions): Buffer {
  checkScheme(options.scheme);
  const iv = tsSegmentIv(options.key, options.iv, options.sequenceNumber);
  return options.scheme === 'aes-128'
    ? encryptAes128Segment(buf, options.key.key, iv)
    : encryptSampleAesSegmentDetailed(buf, options.key.key, iv).data;
}

async function resolveKeys(options: TsEncryptOptions, input: string): Promise<KeySet> {
  const k = options.keys;
  if (k && typeof (k as KeyProvider).getKeys === 'function') {
    return (k as KeyProvider).getKeys({
      contentId: options.contentId ?? path.basename(input), trackTypes: ['video', 'audio'], scheme: options.scheme,
    });
  }
  return k as KeySet;
}

/**
 * The EXT-X-KEY line(s) (RFC 8216 §4.3.2.4) from signaling/hlsKeyTags: keyUri, else what the key
 * server returned, always with our explicit IV. With neither: AES-128 gets the placeholder
 * `key.bin`, SAMPLE-AES FairPlay's `skd://<KID as UUID>` (keys/drm fairPlaySkdUri).
 */
function extXKeyLines(scheme: TsScheme, key: ContentKey, iv: Buffer, keyUri: string | undefined, keySet: KeySet): string {
  const input = { scheme, kid: key.kid, iv, drm: keySet.drm.filter((d) => d.kid.equals(key.kid)) };
  let tags = hlsKeyTags(keyUri !== undefined ? { ...input, keyUri } : input);
  if (tags.media.length === 0) {
    tags = hlsKeyTags({ ...input, keyUri: scheme === 'aes-128' ? AES128_PLACEHOLDER_KEY_URI : fairPlaySkdUri(key.kid) });
  }
  return tags.media.join('\n');
}

/** Checks the 188-byte packet grid as chunks go by (one byte in 188), without holding data. */
class PacketGrid {
  private offset = 0;
  check(chunk: Buffer): void {
    const first = (PACKET_SIZE - (this.offset % PACKET_SIZE)) % PACKET_SIZE;
    for (let i = first; i < chunk.length; i += PACKET_SIZE) {
      if (chunk[i] !== SYNC_BYTE) {
        const at = this.offset + i;
        throw new MediaError('ERR_TS_SYNC', `lost sync: packet ${at / PACKET_SIZE} at offset ${at} starts with 0x${chunk[i]!.toString(16).padStart(2, '0')}, not 0x47`,
          { where: `packet ${at / PACKET_SIZE}@${at}` });
      }
    }
    this.offset += chunk.length;
  }
  end(): void {
    const rest = this.offset % PACKET_SIZE;
    if (this.offset === 0) throw new MediaError('ERR_TS_EMPTY', 'transport stream is empty', { where: 'packet 0' });
    if (rest !== 0) {
      const index = Math.floor(this.offset / PACKET_SIZE);
      throw new MediaError('ERR_TS_TRUNCATED', `truncated packet ${index} at offset ${index * PACKET_SIZE}: ${rest} of ${PACKET_SIZE} bytes`, { where: `packet ${index}@${index * PACKET_SIZE}` });
    }
  }
}

/** AES-128: one CBC chain over the whole file (the cipher copies, so read buffers are reused). */
function aes128Stage(key: Buffer, iv: Buffer): ChunkStage {
  const grid = new PacketGrid();
  const cipher = createAes128SegmentCipher(key, iv);
  return {
    copies: true,
    push(chunk) { grid.check(chunk); return [cipher.update(chunk)]; },
    end() { grid.end(); return [cipher.final()]; },
  };
}

/** SAMPLE-AES, encrypting inside the chunks it is given (they are ours) and holding unfinished PES. */
function sampleAesStage(encryptor: SampleAesEncryptor): ChunkStage {
  return { copies: false, push: (chunk) => encryptor.pushParts(chunk), end: () => encryptor.endParts(), released: () => encryptor.takeReleased() };
}

/** `size` is the one measured up front: the bytes read are the bytes reported as bytesIn. */
async function streamTs(input: string, size: number, out: AtomicOutput, stage: ChunkStage, o: PumpOptions): Promise<void> {
  const fh = await openInput(input);
  try {
    await pumpFile(fh, size, out, stage, o);
  } finally {
    await fh.close();
  }
}

/**
 * One TS file to another in chunks (memory: a few MB whatever the size): written next to the
 * output and renamed into place, removed on error (and by the CLI on SIGINT). Also the segment
 * job of packages, in a worker or in the calling thread. `size` is the input's, measured by the caller.
 */
export async function encryptTsStream(input: string, output: string, size: number, scheme: TsScheme, key: Buffer, iv: Buffer,
  o: Pick<PumpOptions, 'onProgress' | 'buffers' | 'backlog'> = {}): Promise<{ bytesOut: number; streams: SampleAesStreamInfo[] }> {
  const out = await AtomicOutput.create(output);
  try {
    let streams: SampleAesStreamInfo[] = [];
    if (scheme === 'aes-128') {
      await streamTs(input, size, out, aes128Stage(key, iv), o);
    } else {
      const encryptor = new SampleAesEncryptor(key, iv, { inPlace: true });
      await streamTs(input, size, out, sampleAesStage(encryptor), o);
      streams = encryptor.streams();
    }
    const bytesOut = out.position;
    await out.commit();
    return { bytesOut, streams };
  } catch (e) {
    await out.abort();
    if (e instanceof SegcryptError) throw e;
    throw new IoError('ERR_WRITE', `encrypting ${input} to ${output} failed: ${(e as Error).message}`, { where: output, cause: e });
  }
}

export async function encryptTsFile(input: string, output: string, options: TsEncryptOptions): Promise<TsEncryptResult> {
  if (!options || typeof options !== 'object') throw new UsageError('ERR_OPTIONS', 'options must be an object', { where: 'options' });
  checkScheme(options.scheme);
  if (!options.keys) throw new UsageError('ERR_NO_KEYS', 'options.keys is required (a KeyProvider or a KeySet)', { where: 'keys' });
  if (options.iv !== undefined && options.iv.length !== 16) {
    throw new UsageError('ERR_IV_LENGTH', `HLS IVs are 16 bytes, got ${options.iv.length}`, { where: 'iv' });
  }
  if (options.clearLead) {
    throw new UsageError('ERR_CLEAR_LEAD', 'a clear lead applies to fMP4 fragments; for HLS TS leave the first segments unencrypted instead (no EXT-X-KEY before them)', { where: 'clearLead' });
  }
  let size: number;
  try {
    size = (await stat(input)).size;
  } catch (cause) {
    throw new IoError('ERR_READ', `cannot read input ${input}`, { where: input, cause });
  }
  const keySet = await resolveKeys(options, input);
  const key = keyForTrack(keySet, 'video') ?? keySet.keys[0];
  if (!key) throw new KeyError('ERR_NO_KEY', 'no content key for the TS segment (video key or a key for every track)', { where: 'keys' });
  const iv = tsSegmentIv(key, options.iv, options.sequenceNumber);

  const { bytesOut, streams } = await encryptTsStream(input, output, size, options.scheme, key.key, iv, options.onProgress ? { onProgress: options.onProgress } : {});
  const tracks: EncryptedTrack[] = streams.map((s) => ({ trackId: s.pid, type: s.codec === 'h264' ? 'video' : 'audio', codec: s.codec, kid: key.kid.toString('hex') }));
  const kid = key.kid.toString('hex');
  return {
    container: 'ts', scheme: options.scheme, tracks, kids: [kid], pssh: [],
    drm: keySet.drm.filter((d) => d.kid.equals(key.kid)),
    bytesIn: size, bytesOut, fragments: 1,
    extXKey: extXKeyLines(options.scheme, key, iv, options.keyUri, keySet), iv: `0x${iv.toString('hex')}`,
  };
}
