/**
 * Watches what the code under test does with node:fs/promises, without a clock: which operations
 * are still pending, which file handles are still open, and which writes start after a path was
 * removed. Installed on the built-in module's exports and propagated to every ESM importer with
 * `syncBuiltinESMExports` (the `import { open } from 'node:fs/promises'` bindings in src follow).
 *
 * Used to prove "no write can land after the error": when encryptPackage rejects, nothing is
 * pending and no handle is open, and no write started inside a folder after its removal began.
 */
import fsp, { type FileHandle } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

export interface FsActivity {
  /** Operations started and not yet settled. */
  pending(): number;
  /** File handles opened and not yet closed. */
  openHandles(): number;
  /** Writes (open for writing, writeFile, mkdir, rename, copyFile) that started inside a path after an `rm` of it began. */
  writesAfterRemoval(): string[];
  restore(): void;
}

const WRAPPED = ['open', 'writeFile', 'mkdir', 'rename', 'copyFile', 'rm', 'rmdir'] as const;
type Wrapped = typeof WRAPPED[number];

export function watchFsActivity(): FsActivity {
  const real = Object.fromEntries(WRAPPED.map((k) => [k, fsp[k]])) as Pick<typeof fsp, Wrapped>;
  let pending = 0;
  let open = 0;
  const removed: string[] = [];
  const late: string[] = [];
  const target = (op: Wrapped, args: unknown[]): string | undefined => {
    const p = op === 'rename' || op === 'copyFile' ? args[1] : args[0];
    return typeof p === 'string' ? path.resolve(p) : undefined;
  };
  const isWrite = (op: Wrapped, args: unknown[]): boolean =>
    op === 'open' ? /[wa+]/.test(String(args[1] ?? 'r')) : op !== 'rm' && op !== 'rmdir';
  const table = fsp as unknown as Record<Wrapped, (...a: unknown[]) => Promise<unknown>>;
  for (const op of WRAPPED) {
    const original = real[op] as (...a: unknown[]) => Promise<unknown>;
    table[op] = async (...args: unknown[]) => {
      const p = target(op, args);
      if (p !== undefined && op === 'rm') removed.push(p);
      else if (p !== undefined && isWrite(op, args) && removed.some((r) => p === r || p.startsWith(r + path.sep))) late.push(`${op} ${p}`);
      pending++;
      try {
        const result = await original(...args);
        if (op === 'open') {
          open++;
          const fh = result as FileHandle;
          const close = fh.close.bind(fh);
          let closed = false;
          fh.close = async () => { try { return await close(); } finally { if (!closed) { closed = true; open--; } } };
        }
        return result;
      } finally {
        pending--;
      }
    };
  }
  syncBuiltinESMExports();
  return {
    pending: () => pending,
    openHandles: () => open,
    writesAfterRemoval: () => [...late],
    restore: () => { Object.assign(fsp, real); syncBuiltinESMExports(); },
  };
}
