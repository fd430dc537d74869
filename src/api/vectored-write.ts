import type { FileHandle } from 'node:fs/promises';

/**
 * Write `parts` in order at `position` with as few `writev` calls as the kernel allows: a short
 * write drops what went out and goes on with the rest. Returns the bytes written.
 */
export async function writevFully(fh: FileHandle, parts: Buffer[], position: number): Promise<number> {
  let rest = parts.filter((p) => p.length > 0);
  let at = position;
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest, at);
    at += bytesWritten;
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
  return at - position;
}
