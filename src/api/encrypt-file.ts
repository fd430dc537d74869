import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { IoError, MediaError } from '../errors.js';
import { growthIn, parseSidx, patchMfra, patchSidx, readBox, splitPieces, writePlannedSegmentIndex, type Box, type SegmentIndex, type SegmentIndexPlan, type TopLevelPiece } from '../isobmff/index.js';
import { planAddedSidx } from './added-sidx.js';
import { FragmentPool } from '../pool/index.js';
import { FragmentReader } from './fragment-reader.js';
import { AtomicOutput } from './atomic-output.js';
import { checkEncryptOptions, defaultPoolSize } from './encrypt-options.js';
import { encryptTsFile } from './encrypt-ts.js';
import { looksLikeMp4, looksLikeMpegTs, readExact, scanTopLevelBoxes } from './file-boxes.js';
import { openInput, refuseOutputOverInput } from './input-file.js';
import { prepareProtection, type PreparedProtection } from './init-protection.js';
import { checkScheme } from './track-protection.js';
import type { EncryptOptions, EncryptResult } from './types.js';
import { encryptSignaling } from '../signaling/index.js';

const COPY_CHUNK = 1 << 20;
/** A fragment is held in memory while it is encrypted: refuse absurd ones with a clear message. */
const MAX_FRAGMENT = 1 << 30;

/**
 * Encrypt a fragmented MP4 / CMAF file (init + fragments in one file), fragment by fragment:
 * top-level boxes are read incrementally, fragments are encrypted concurrently on the pool and
 * written in order to a temp file that is renamed into place at the end.
 */
export async function encryptFile(input: string, output: string, options: EncryptOptions): Promise<EncryptResult> {
  return encryptFileOn(input, output, options, undefined);
}

/**
 * encryptFile on a pool the caller owns and closes (a package's, shared by its renditions), in
 * place of one made for the file from `poolSize`.
 */
export async function encryptFileOn(input: string, output: string, options: EncryptOptions, shared: FragmentPool | undefined): Promise<EncryptResult> {
  checkEncryptOptions(options);
  await refuseOutputOverInput(input, output);
  const fh = await openInput(input);
  let size: number;
  let head: Buffer;
  try {
    size = (await fh.stat()).size;
    head = await readExact(fh, 0, Math.min(size, 188 * 4), input);
  } catch (e) {
    await fh.close();
    throw e;
  }
  if (looksLikeMpegTs(head)) {
    await fh.close();
    // TS: wired by encrypt-ts.ts (AES-128 / SAMPLE-AES; other schemes are refused there).
    return encryptTsFile(input, output, options);
  }
  if (!looksLikeMp4(head)) {
    await fh.close();
    const first = head.subarray(0, 8).toString('hex');
    throw new MediaError('ERR_UNSUPPORTED_CONTAINER', `${input} is neither an MP4 file nor an MPEG-TS stream (first bytes ${first})`, { where: 'byte 0' });
  }
  try {
    return await encryptFmp4(fh, size, input, output, options, shared);
  } finally {
    await fh.close();
  }
}

async function encryptFmp4(fh: FileHandle, size: number, input: string, output: string, options: EncryptOptions, shared: FragmentPool | undefined): Promise<EncryptResult> {
  const scheme = checkScheme(options.scheme);
  const boxes = await scanTopLevelBoxes(fh, size);
  const moovIndex = boxes.findIndex((b) => b.type === 'moov');
  const firstMoof = boxes.findIndex((b) => b.type === 'moof');
  if (moovIndex < 0) {
    throw new MediaError('ERR_NO_MOOV', `${input} has no moov box: not an MP4 file with an init segment (top-level boxes: ${boxes.slice(0, 6).map((b) => b.type).join(', ')})`, { where: 'moov' });
  }
  if (firstMoof >= 0 && firstMoof < moovIndex) {
    throw new MediaError('ERR_BOX_ORDER', `moof at byte ${boxes[firstMoof]!.start} comes before the moov at byte ${boxes[moovIndex]!.start}`, { where: 'moof' });
  }
  const moov = boxes[moovIndex]!;
  const moovBuf = await readExact(fh, moov.start, moov.end - moov.start, 'moov');
  const prepared = await prepareProtection(moovBuf, scheme, options.keys, options, options.contentId ?? basename(input), moov.start);

  const addSidx = options.sidx ? await planAddedSidx(fh, boxes, splitPieces(boxes), moovBuf, moov, prepared.info.tracks) : undefined;

  const out = await AtomicOutput.create(output);
  const pool = shared ?? new FragmentPool(defaultPoolSize(size, options.poolSize));
  try {
    const fragments = await writeAll(fh, out, pool, boxes, moovBuf, prepared, size, options, addSidx);
    await out.commit();
    return {
      container: 'fmp4', scheme, tracks: prepared.tracks, clearTracks: prepared.clearTracks, kids: prepared.kids, pssh: prepared.pssh, drm: prepared.drm,
      bytesIn: size, bytesOut: out.position, fragments, sidxAdded: addSidx !== undefined,
      signaling: encryptSignaling({ scheme, keys: prepared.keySet, trackTypes: [...new Set(prepared.tracks.map((t) => t.type))] }),
    };
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    if (!shared) await pool.close();
  }
}

/**
 * Bytes of fragments read ahead, and of encrypted output waiting to be written. The backlog holds
 * more than one fragment (the bench's are 9-11 MB): with 8 MB, the drain after each fragment
 * waited for its whole write, so the cipher stood still while it went out; with 16 MB, fragment
 * k+1 is encrypted while k is written (cbcs profile idle 26-40% -> 21-26% on a loaded machine;
 * peak RSS 85 -> 95 MB, 95 -> 106 MB on the 574 MB file; 24 MB: 105 / 118 MB).
 */
const READ_AHEAD = 8 << 20;
const WRITE_BACKLOG = 16 << 20;

/**
 * The file's pieces in order: loose boxes copied (moov protected, sidx/mfra patched), fragments
 * encrypted. Three things overlap: the next fragments are read ahead, the current one is
 * encrypted (here or on the pool), the previous ones are written; each is bounded in bytes.
 */
async function writeAll(fh: FileHandle, out: AtomicOutput, pool: FragmentPool, boxes: Box[], moovBuf: Buffer, prepared: PreparedProtection, size: number, options: EncryptOptions, addSidx?: SegmentIndexPlan): Promise<number> {
  const growth: { at: number; by: number }[] = [];
  const sidxs: { buf: Buffer; sidx: SegmentIndex; end: number; outAt: number }[] = [];
  let addedSidxAt = -1;
  const window = Math.max(1, pool.size * 2);
  const queue: { piece: TopLevelPiece; result: Promise<Buffer[]> }[] = [];
  const pieces = splitPieces(boxes);
  const reader = new FragmentReader(fh, pieces, READ_AHEAD);
  let done = 0;
  let sequence = 0;
  const progress = (n: number) => { done += n; options.onProgress?.(done, size); };
  const flushOne = async () => {
    const { piece, result } = queue.shift()!;
    const parts = await result;
    let len = 0;
    for (const p of parts) len += p.length;
    // The last part is the media data, encrypted in place in the buffer the reader lent.
    const lent = parts[parts.length - 1]!.buffer as ArrayBuffer;
    out.append(parts, () => reader.recycle(lent));
    growth.push({ at: piece.start, by: len - (piece.end - piece.start) });
    progress(piece.end - piece.start);
    await out.drain(WRITE_BACKLOG);
  };
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const len = piece.end - piece.start;
    if (piece.fragment) {
      if (len > MAX_FRAGMENT) {
        throw new MediaError('ERR_FRAGMENT_TOO_LARGE', `the fragment at byte ${piece.start} is ${len} bytes (limit ${MAX_FRAGMENT}); re-fragment with shorter fragments, e.g. \`ffmpeg -i in.mp4 -c copy -movflags +frag_keyframe+empty_moov+default_base_moof -frag_duration 2000000 out.mp4\``, { where: `moof at byte ${piece.start}` });
      }
      const buf = await reader.take(i);
      const result = pool.runParts({ kind: 'fragment', input: buf.buffer as ArrayBuffer, inputLength: len, tracks: prepared.fragmentTracks, defaultSizes: prepared.defaultSizes, sequence: sequence++, fileOffset: piece.start });
      result.catch(() => undefined); // awaited in order by flushOne; avoid an unhandled rejection meanwhile
      queue.push({ piece, result });
      if (queue.length >= window) await flushOne();
      continue;
    }
    while (queue.length > 0) await flushOne();
    if (piece.type === 'moov') {
      const enc = prepared.protect(moovBuf);
      // An added sidx follows the moov: room for it now, its sizes once the fragments are written.
      growth.push({ at: piece.start, by: enc.length - len + (addSidx?.size ?? 0) });
      out.append([enc]);
      if (addSidx) { addedSidxAt = out.position; out.append([Buffer.alloc(addSidx.size)]); }
    } else if (piece.type === 'sidx' || piece.type === 'mfra') {
      const buf = await readExact(fh, piece.start, len, piece.type);
      const box = readBox(buf, 0, len, '', true, piece.start);
      if (piece.type === 'sidx') {
        // Patched once every fragment it references has been written.
        sidxs.push({ buf, sidx: parseSidx(buf, box, piece.start), end: piece.end, outAt: out.position });
      } else {
        patchMfra(buf, box, (x) => x + growthIn(growth, 0, x));
      }
      out.append([buf]);
    } else {
      for (let o = piece.start; o < piece.end; o += COPY_CHUNK) {
        out.append([await readExact(fh, o, Math.min(COPY_CHUNK, piece.end - o), piece.type)]);
        await out.drain(WRITE_BACKLOG);
      }
    }
    progress(len);
  }
  while (queue.length > 0) await flushOne();
  await out.drain();
  for (const s of sidxs) {
    patchSidx(s.buf, 0, s.sidx, s.end, (a, b) => growthIn(growth, a, b));
    await out.writeAt(s.buf, s.outAt);
  }
  if (addSidx) await out.writeAt(writePlannedSegmentIndex(addSidx, (a, b) => growthIn(growth, a, b)), addedSidxAt);
  return sequence;
}
