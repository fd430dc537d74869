import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptFile, type KeySet } from '../../src/index.js';
import { subsampleMaps } from './senc-maps.js';

/**
 * Shaka Packager measures slice headers and keeps them clear; our subsample maps must match
 * its maps sample for sample (same clear/protected split), for AVC and HEVC.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const packager = join(root, 'node_modules/shaka-packager/bin/packager-linux-x64');
const KID = '00112233445566778899aabbccddeeff';
const KEY = 'ffeeddccbbaa99887766554433221100';
const keys: KeySet = { keys: [{ kid: Buffer.from(KID, 'hex'), key: Buffer.from(KEY, 'hex') }], drm: [] };

const dir = mkdtempSync(join(tmpdir(), 'segcrypt-subs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const media of ['avc', 'avc-slices', 'hevc']) {
  for (const scheme of ['cbcs', 'cenc'] as const) {
    t.test(`${media} ${scheme}: subsample maps equal Shaka Packager's`, async (t) => {
      const input = join(root, 'samples/media', `${media}.mp4`);
      const shaka = join(dir, `${media}-${scheme}-shaka.mp4`);
      execFileSync('nice', ['-n', '10', packager, `in=${input},stream=video,output=${shaka}`, '--enable_raw_key_encryption',
        '--keys', `label=:key_id=${KID}:key=${KEY}`, '--protection_scheme', scheme, '--clear_lead', '0'], { stdio: 'ignore' });
      const ours = join(dir, `${media}-${scheme}.mp4`);
      await encryptFile(input, ours, { scheme, keys, poolSize: 0 });
      const ivSize = scheme === 'cbcs' ? 0 : 8;
      const a = subsampleMaps(ours, ivSize);
      const b = subsampleMaps(shaka, ivSize);
      t.equal(a.length, b.length, 'same number of samples');
      t.ok(a.length > 100);
      const differing = a.map((x, i) => (x === b[i] ? -1 : i)).filter((i) => i >= 0);
      t.same(differing, [], 'every sample splits identically');
      t.ok(a.some((x) => JSON.parse(x).length > 1) || media !== 'avc-slices', 'several subsamples per sample with several slices');
    });
  }
}

/** Encoder features that change slice header syntax, made with ffmpeg at test time (3 s, 320x240). */
const VARIANTS: [name: string, args: string[]][] = [
  ['avc interlaced (field/MBAFF, CABAC, B-pyramid)', ['-c:v', 'libx264', '-preset', 'medium', '-x264-params', 'weightp=2:ref=4:bframes=3:b-pyramid=normal', '-flags', '+ildct+ilme', '-top', '1']],
  ['avc weighted prediction, 5 refs, weighted B', ['-c:v', 'libx264', '-preset', 'slow', '-x264-params', 'weightp=2:ref=5:bframes=5:b-adapt=2:direct=auto:weightb=1']],
  ['avc baseline (CAVLC)', ['-c:v', 'libx264', '-profile:v', 'baseline', '-x264-params', 'ref=3']],
  ['hevc weighted prediction, slices, 4 refs', ['-c:v', 'libx265', '-preset', 'medium', '-x265-params', 'log-level=error:bframes=4:ref=4:weightb=1:weightp=1:slices=3', '-tag:v', 'hvc1']],
];

for (const [name, args] of VARIANTS) {
  t.test(`${name}: cbcs subsample maps equal Shaka Packager's`, async (t) => {
    const input = join(dir, `${name.replace(/\W+/g, '-')}.mp4`);
    execFileSync('nice', ['-n', '10', 'ffmpeg', '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=3', ...args,
      '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000', input]);
    const shaka = `${input}.shaka.mp4`;
    execFileSync('nice', ['-n', '10', packager, `in=${input},stream=video,output=${shaka}`, '--enable_raw_key_encryption',
      '--keys', `label=:key_id=${KID}:key=${KEY}`, '--protection_scheme', 'cbcs', '--clear_lead', '0'], { stdio: 'ignore' });
    const ours = `${input}.ours.mp4`;
    await encryptFile(input, ours, { scheme: 'cbcs', keys, poolSize: 0 });
    const a = subsampleMaps(ours, 0);
    const b = subsampleMaps(shaka, 0);
    t.equal(a.length, 75);
    t.same(a.map((x, i) => (x === b[i] ? -1 : i)).filter((i) => i >= 0), [], 'every sample splits identically');
  });
}
