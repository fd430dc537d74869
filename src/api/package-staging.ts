/**
 * The staging folder of a queued package: beside the output, named from a hash of what decides
 * the package's bytes (input and output paths, the options, the key reference: content id and
 * KIDs, never key bytes), so that the same command run again after a failure finds it and the
 * files its jobs finished. It also keeps the run's random choices (IVs, which are not secret),
 * so that the rest is encrypted as the first run would have. It becomes the output by rename.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from './encrypt-package-files.js';

/** Random choices of a run that a re-run must repeat (hex). */
export interface RunChoices { iv?: string; sampleAesIv?: string }

const CHOICES_FILE = '.segcrypt-run.json';

/** `.<output name>.segcrypt-<hash>` beside the output. */
export function stagingPath(dst: string, plan: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 20);
  return path.join(path.dirname(dst), `.${path.basename(dst)}.segcrypt-${hash}`);
}

/** The folder made (or found) and the choices an earlier run saved there. */
export async function openStaging(dir: string): Promise<RunChoices> {
  await mkdir(dir, { recursive: true });
  const text = await readFile(path.join(dir, CHOICES_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  try {
    const c = JSON.parse(text) as RunChoices;
    const hex = (v: unknown) => typeof v === 'string' && /^([0-9a-f]{16}|[0-9a-f]{32})$/.test(v);
    return { ...(hex(c.iv) ? { iv: c.iv! } : {}), ...(hex(c.sampleAesIv) ? { sampleAesIv: c.sampleAesIv! } : {}) };
  } catch {
    return {};
  }
}

export async function saveChoices(dir: string, choices: RunChoices): Promise<void> {
  await writeFile(path.join(dir, CHOICES_FILE), JSON.stringify(choices));
}

/** Package files already in the folder (the choices file and temp `.part-` files not counted). */
export async function stagedFiles(dir: string, packageFiles: Set<string>): Promise<number> {
  const files = await listFiles(dir).catch(() => []);
  return files.filter((f) => packageFiles.has(f)).length;
}
