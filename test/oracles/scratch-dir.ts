/** A temporary directory for one test, removed in its teardown. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface HasTeardown { teardown(fn: () => void | Promise<void>): void }

export function scratchDir(t: HasTeardown, prefix = 'segcrypt-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
