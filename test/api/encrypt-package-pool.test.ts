/**
 * The worker pool changes nothing but speed: with a fixed IV the package written with 2 workers
 * is byte-identical to the one written in the calling thread.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import type { KeySet } from '../../src/keys/content-key.js';

const keys: KeySet = { keys: [{ kid: Buffer.alloc(16, 0x31), key: Buffer.alloc(16, 0x32) }], drm: [] };
const iv = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

function files(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(dir, path.posix.join(base, e.name)) : [path.posix.join(base, e.name)]).sort();
}

for (const [sample, scheme] of [['dash-shaka', 'cbcs'], ['hls-fmp4', 'cenc'], ['hls-ts', 'sample-aes'], ['hls-ts', 'aes-128']] as const) {
  t.test(`${sample} ${scheme}: poolSize 2 == poolSize 0, byte for byte`, async (t) => {
    const dir = scratchDir(t, 'segcrypt-pool-');
    const opts = { scheme, keys, iv, ...(sample.startsWith('hls') ? { keyUri: 'k' } : {}) };
    await encryptPackage(path.join(SAMPLES, sample), path.join(dir, 'a'), { ...opts, poolSize: 0 });
    await encryptPackage(path.join(SAMPLES, sample), path.join(dir, 'b'), { ...opts, poolSize: 2 });
    const list = files(path.join(dir, 'a'));
    t.same(files(path.join(dir, 'b')), list);
    const differing = list.filter((f) => !readFileSync(path.join(dir, 'a', f)).equals(readFileSync(path.join(dir, 'b', f))));
    t.same(differing, [], 'no file differs');
  });
}
