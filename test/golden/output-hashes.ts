/**
 * The cases of the byte-identity guard (output-hashes.test.ts): every scheme over the small
 * samples with fixed keys and IVs, as single files, per-segment calls and whole packages, each
 * reduced to the sha256 of what it wrote. `node --import tsx test/golden/output-hashes.ts --record`
 * rewrites output-hashes.json; do that only for an intended change of the output bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptFile, encryptPackage, encryptTsSegment } from '../../src/index.js';

const SAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples');
export const HASHES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'output-hashes.json');

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv16 = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const iv8 = iv16.subarray(0, 8);
const keys = () => ({ keys: [{ kid, key }], drm: [] });

const FMP4 = ['aac.mp4', 'ac3.mp4', 'avc-sidx.mp4', 'avc-slices.mp4', 'avc.mp4', 'eac3.mp4', 'hevc.mp4', 'muxed.mp4', 'progressive.mp4'];
const TS_FILES = ['ts/avc-aac.ts', 'ts/avc-ac3.ts', 'hls-ts/seg_000.ts', 'hls-ts/seg_001.ts', 'hls-ts/seg_002.ts'];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function treeHashes(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, treeHashes(p, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = sha(readFileSync(p));
  }
  return out;
}

/** Every case's output hashes, written under `scratch`. Progressive MP4 is refused: its error code is the "hash". */
export async function outputHashes(scratch: string): Promise<Record<string, string>> {
  mkdirSync(scratch, { recursive: true });
  const out: Record<string, string> = {};
  for (const scheme of ['cenc', 'cbcs', 'cens', 'cbc1'] as const) {
    for (const f of FMP4) {
      const o = path.join(scratch, `${scheme}-${f}`);
      try {
        await encryptFile(path.join(SAMPLES, 'media', f), o, { scheme, keys: keys(), iv: scheme === 'cbcs' ? iv16 : iv8, poolSize: 0 });
        out[`file ${scheme} media/${f}`] = sha(readFileSync(o));
      } catch (e) {
        out[`file ${scheme} media/${f}`] = `error ${(e as { code?: string }).code}`;
      }
    }
  }
  for (const scheme of ['aes-128', 'sample-aes'] as const) {
    for (const f of TS_FILES) {
      const o = path.join(scratch, `${scheme}-${f.replace('/', '-')}`);
      await encryptFile(path.join(SAMPLES, f), o, { scheme, keys: keys(), iv: iv16 });
      out[`file ${scheme} ${f}`] = sha(readFileSync(o));
      out[`segment ${scheme} ${f}`] = sha(encryptTsSegment(readFileSync(path.join(SAMPLES, f)), { scheme, key: { kid, key }, iv: iv16 }));
    }
  }
  const packages: [string, 'cenc' | 'cbcs' | 'sample-aes' | 'aes-128', number][] = [
    ['dash', 'cenc', 1], ['dash', 'cbcs', 2], ['hls-ts', 'sample-aes', 1], ['hls-ts', 'sample-aes', 2], ['hls-ts', 'aes-128', 1], ['hls-fmp4', 'cbcs', 1],
  ];
  for (const [dir, scheme, pool] of packages) {
    const o = path.join(scratch, `pkg-${dir}-${scheme}-${pool}`);
    await encryptPackage(path.join(SAMPLES, dir), o, { scheme, keys: keys(), iv: scheme === 'cenc' ? iv8 : iv16, poolSize: pool, keyUri: 'key.bin' });
    for (const [file, h] of Object.entries(treeHashes(o))) out[`package ${dir} ${scheme} pool ${pool}: ${file}`] = h;
  }
  return out;
}

if (process.argv.includes('--record')) {
  const scratch = path.join(process.env.TMPDIR ?? '/tmp', `segcrypt-hashes-${process.pid}`);
  const hashes = await outputHashes(scratch);
  writeFileSync(HASHES_FILE, JSON.stringify(hashes, null, 2) + '\n');
  process.stdout.write(`${Object.keys(hashes).length} hashes written to ${HASHES_FILE}\n`);
}
