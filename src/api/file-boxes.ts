import type { FileHandle } from 'node:fs/promises';
import { readTopLevelHeader, type Box } from '../isobmff/index.js';
import { IoError } from '../errors.js';

/** Read exactly `length` bytes at `position` into a buffer with its own ArrayBuffer. */
export function readExact(fh: FileHandle, position: number, length: number, what: string): Promise<Buffer> {
  return readInto(fh, Buffer.allocUnsafeSlow(length), position, what);
}

/** Fill `buf` with the bytes at `position`; a file that ends first is an ERR_READ naming `what`. */
export async function readInto(fh: FileHandle, buf: Buffer, position: number, what: string): Promise<Buffer> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) throw new IoError('ERR_READ', `${what}: the file ended at byte ${position + got} while reading ${buf.length} bytes at byte ${position}`, { where: what });
    got += bytesRead;
  }
  return buf;
}

/**
 * The top-level boxes of a file, from their headers only (one small read per box): the file is
 * never loaded whole. Validates sizes against the file length (truncation, bad sizes).
 */
export async function scanTopLevelBoxes(fh: FileHandle, fileSize: number): Promise<Box[]> {
  const boxes: Box[] = [];
  const head = Buffer.allocUnsafe(32);
  let o = 0;
  while (o < fileSize) {
    const n = Math.min(32, fileSize - o);
    const { bytesRead } = await fh.read(head, 0, n, o);
    const b = readTopLevelHeader(head.subarray(0, bytesRead), o, fileSize);
    boxes.push(b);
    o = b.end;
  }
  return boxes;
}

/** MPEG-TS: a 0x47 sync byte every 188 bytes (checked on the first packets we have). */
export function looksLikeMpegTs(head: Buffer): boolean {
  if (head.length < 188 || head[0] !== 0x47) return false;
  for (let o = 0; o < head.length; o += 188) if (head[o] !== 0x47) return false;
  return true;
}

/** Box types an MP4 file can start with (ISO/IEC 14496-12; QuickTime `wide`). */
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'free', 'skip', 'wide', 'pdin', 'sidx', 'moof', 'mdat', 'uuid', 'emsg', 'prft', 'meta']);

/** Whether the bytes start like ISO BMFF (a known first box type). */
export function looksLikeMp4(head: Buffer): boolean {
  return head.length >= 8 && FIRST_BOXES.has(head.toString('latin1', 4, 8));
}
