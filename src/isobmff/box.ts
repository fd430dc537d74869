import { MediaError } from '../errors.js';

/**
 * One box located in a buffer: zero-copy, offsets only. `start` is the first byte of the size
 * field, `end` one past the last byte, `bodyStart` the first byte after the header
 * (size + type [+ largesize] [+ usertype]).
 */
export interface Box {
  type: string;
  start: number;
  bodyStart: number;
  end: number;
  /** The box path for error messages, e.g. `moov/trak/mdia`. */
  path: string;
  /** File offset of byte 0 of the buffer the box was read from (for messages). */
  base: number;
}

/** `moov/trak/mdia at byte 1234`: where a box is, in file offsets, for error messages. */
export function boxPlace(b: Box): string {
  return `${b.path} at byte ${b.base + b.start}`;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A box type as text for paths and messages: the four bytes as they are when printable ASCII
 * (every real 4cc), else each other byte escaped as \xNN, so an error about a corrupt box stays on
 * one line and shows what the file holds.
 */
export function boxTypeText(buf: Buffer, at: number): string {
  let plain = true;
  for (let i = at; i < at + 4; i++) if (buf[i]! < 0x20 || buf[i]! > 0x7e) plain = false;
  if (plain) return buf.toString('latin1', at, at + 4);
  let out = '';
  for (let i = at; i < at + 4; i++) {
    const c = buf[i]!;
    out += c >= 0x20 && c <= 0x7e && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * Read the box header at `offset`. `limit` is the end of the enclosing box (or of the bytes we
 * hold); `isEof` says `limit` is the real end of the file, so a box running past it means the
 * file is truncated rather than the size field being wrong.
 */
export function readBox(buf: Buffer, offset: number, limit: number, parentPath: string, isEof = false, base = 0): Box {
  const where = (t: string) => `${parentPath ? parentPath + '/' : ''}${t} at byte ${base + offset}`;
  if (limit - offset < 8) {
    throw new MediaError('ERR_BOX_TRUNCATED', `box header at byte ${base + offset} in ${parentPath || 'file'} is cut off: ${limit - offset} bytes left, 8 needed`, { where: where('?') });
  }
  const size32 = buf.readUInt32BE(offset);
  const type = boxTypeText(buf, offset + 4);
  let headerSize = 8;
  let size: number;
  if (size32 === 1) {
    if (limit - offset < 16) throw new MediaError('ERR_BOX_TRUNCATED', `64-bit size of box ${where(type)} is cut off`, { where: where(type) });
    const large = buf.readBigUInt64BE(offset + 8);
    if (large > BigInt(MAX_SAFE)) throw new MediaError('ERR_BOX_SIZE', `box ${where(type)} declares a 64-bit size of ${large} bytes, beyond what can be addressed`, { where: where(type) });
    size = Number(large);
    headerSize = 16;
  } else if (size32 === 0) {
    size = limit - offset; // "extends to the end of the file" (ISO/IEC 14496-12 4.2)
  } else {
    size = size32;
  }
  if (type === 'uuid') headerSize += 16;
  if (size < headerSize) {
    throw new MediaError('ERR_BOX_SIZE', `box ${where(type)} declares size ${size}, smaller than its ${headerSize}-byte header`, { where: where(type) });
  }
  if (offset + size > limit) {
    const code = isEof ? 'ERR_BOX_TRUNCATED' : 'ERR_BOX_SIZE';
    const what = isEof ? `the file ends at byte ${base + limit} (truncated)` : `its parent ${parentPath || 'file'} ends at byte ${base + limit}`;
    throw new MediaError(code, `box ${where(type)} declares size ${size} (to byte ${base + offset + size}) but ${what}`, { where: where(type) });
  }
  return { type, start: offset, bodyStart: offset + headerSize, end: offset + size, path: parentPath ? `${parentPath}/${type}` : type, base };
}

/** The child boxes of `parent`, starting at `from` (defaults to the parent's body). */
export function childBoxes(buf: Buffer, parent: Box, from = parent.bodyStart): Box[] {
  const out: Box[] = [];
  let o = from;
  while (o < parent.end) {
    const b = readBox(buf, o, parent.end, parent.path, false, parent.base);
    out.push(b);
    o = b.end; // strictly increasing: readBox guarantees size >= 8
  }
  return out;
}

/** Top-level boxes of a buffer that holds whole boxes (an init segment, a media segment). */
export function topLevelBoxes(buf: Buffer, name = '', base = 0): Box[] {
  const out: Box[] = [];
  let o = 0;
  while (o < buf.length) {
    const b = readBox(buf, o, buf.length, name, true, base);
    out.push(b);
    o = b.end;
  }
  return out;
}

export function findChild(buf: Buffer, parent: Box, type: string, from?: number): Box | undefined {
  return childBoxes(buf, parent, from).find((b) => b.type === type);
}

export function requireChild(buf: Buffer, parent: Box, type: string, from?: number): Box {
  const b = findChild(buf, parent, type, from);
  if (!b) throw new MediaError('ERR_BOX_MISSING', `${boxPlace(parent)} has no ${type} box`, { where: `${parent.path}/${type}` });
  return b;
}

/** Write a box header (32-bit size) at `offset`; returns the offset of the body. */
export function writeBoxHeader(out: Buffer, offset: number, size: number, type: string): number {
  out.writeUInt32BE(size, offset);
  out.write(type, offset + 4, 4, 'latin1');
  return offset + 8;
}

/** Write a full box header (size, type, version, flags); returns the offset of the body. */
export function writeFullBoxHeader(out: Buffer, offset: number, size: number, type: string, version: number, flags: number): number {
  writeBoxHeader(out, offset, size, type);
  out.writeUInt32BE(((version & 0xff) << 24 | (flags & 0xffffff)) >>> 0, offset + 8);
  return offset + 12;
}

/**
 * A top-level box header read from the first bytes of the box (`head`: 32 bytes, or fewer at
 * the end of the file), located at `fileOffset` in a file of `fileSize` bytes.
 */
export function readTopLevelHeader(head: Buffer, fileOffset: number, fileSize: number): Box {
  const b = readBox(head, 0, fileSize - fileOffset, '', true, fileOffset);
  return { type: b.type, start: fileOffset, bodyStart: fileOffset + b.bodyStart, end: fileOffset + b.end, path: b.path, base: 0 };
}
