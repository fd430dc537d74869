import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SegcryptError } from '../../src/errors.js';
import { encryptMediaSegment, parseInit, protectInit, topLevelBoxes, type FragmentTrack } from '../../src/isobmff/index.js';

/**
 * Seeded corruption of real init segments and fragments: every outcome is either a success or
 * a typed SegcryptError (never a RangeError, a hang or a crash).
 */
const media = (name: string) => readFileSync(fileURLToPath(new URL(`../../samples/media/${name}`, import.meta.url)));
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}
function corrupt(src: Buffer, rnd: () => number, hotBytes: number): Buffer {
  const b = Buffer.from(src);
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) b[Math.floor(rnd() * (rnd() < 0.8 ? Math.min(hotBytes, b.length) : b.length))] = rnd() < 0.4 ? 0 : Math.floor(rnd() * 256);
  return b;
}
function outcome(fn: () => void): string {
  try { fn(); return 'ok'; } catch (e) {
    return e instanceof SegcryptError ? e.code : `untyped ${(e as Error).name}: ${(e as Error).message}`;
  }
}

t.test('corrupted init segments', async (t) => {
  const rnd = rng(7);
  const seen = new Set<string>();
  for (const name of ['muxed.mp4', 'hevc.mp4', 'eac3.mp4']) {
    const file = media(name);
    const init = file.subarray(0, topLevelBoxes(file).find((b) => b.type === 'moof')!.start);
    for (let i = 0; i < 400; i++) {
      const b = corrupt(init, rnd, init.length);
      seen.add(outcome(() => {
        const info = parseInit(b);
        const p = new Map(info.tracks.map((x) => [x.trackId, { scheme: 'cenc' as const, kid: Buffer.alloc(16), ivSize: 8 as const, cryptByteBlock: 0, skipByteBlock: 0 }]));
        protectInit(b, p, [], new Set(p.keys()));
      }));
    }
  }
  t.same([...seen].filter((k) => k.startsWith('untyped')), [], 'no untyped error');
  t.ok(seen.size > 3, `several outcomes: ${[...seen].join(', ')}`);
});

t.test('corrupted fragments', async (t) => {
  const rnd = rng(11);
  const file = media('muxed.mp4');
  const boxes = topLevelBoxes(file);
  const moof = boxes.find((b) => b.type === 'moof')!;
  const frag = file.subarray(moof.start, boxes.find((b) => b.type === 'mdat' && b.start > moof.start)!.end);
  const track = (trackId: number, type: 'video' | 'audio', scheme: 'cenc' | 'cbcs'): FragmentTrack => ({
    trackId, type, scheme, key: Buffer.alloc(16, 2), cryptByteBlock: scheme === 'cbcs' && type === 'video' ? 1 : 0, skipByteBlock: scheme === 'cbcs' && type === 'video' ? 9 : 0,
    ivSize: scheme === 'cbcs' ? 0 : 8, iv: Buffer.alloc(scheme === 'cbcs' ? 16 : 8), ordinal: trackId - 1, sliceHeaderClear: 32,
    nal: type === 'video' ? { codec: 'avc', lengthSize: 4 } : undefined,
  });
  const seen = new Set<string>();
  for (const scheme of ['cenc', 'cbcs'] as const) {
    const tracks = new Map([[1, track(1, 'video', scheme)], [2, track(2, 'audio', scheme)]]);
    for (let i = 0; i < 400; i++) seen.add(outcome(() => encryptMediaSegment(corrupt(frag, rnd, moof.end - moof.start + 64), tracks, new Map(), 0)));
  }
  t.same([...seen].filter((k) => k.startsWith('untyped')), [], 'no untyped error');
  t.ok(seen.has('ok') && seen.size > 3, `several outcomes: ${[...seen].join(', ')}`);
});
