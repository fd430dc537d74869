/**
 * HE-AAC v1/v2 and other `mp4a` variants: full-sample encryption (the sample entry's esds kept
 * byte for byte), and the channel count SPEKE v2 audio filters see: Parametric Stereo makes a
 * mono-core HE-AAC v2 stream stereo. Inputs (test/golden/he-aac-fixture.ts): Debian's ffmpeg has
 * no HE-AAC encoder, so a mono AAC-LC stream gets an esds signalling SBR/PS explicitly
 * (audioObjectType 5 / 29) or implicitly (sync extensions 0x2b7 / 0x548); ffprobe reading the
 * 48 kHz output rate and, for v2, 2 channels proves the signalling is what a real decoder sees.
 * MP3 in `mp4a` (objectTypeIndication 0x6b) stands for the non-AAC variants. Oracles: ffmpeg
 * (pipe) and Shaka Packager decrypt to the clear frames, wrong keys differ; Shaka Packager 3.4.2
 * cannot parse MP3 in MP4 even clear, so ffmpeg alone there.
 */
import t from 'tap';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { encryptFile, StaticKeys, type KeySet } from '../../src/index.js';
import { frameContents, frameDigests, framemd5, framemd5Lenient, probe } from '../oracles/ffmpeg.js';
import { TEST_KEYS, testIv } from '../oracles/matrix.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { runTool } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { shakaDecrypt, shakaDecryptLenient, type CencScheme } from '../oracles/shaka.js';
import { heAacFixture, type HeAacSignalling } from './he-aac-fixture.js';

const dir = scratchDir(t, 'segcrypt-he-aac-');
const FRAGMENTED = ['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '500000'];
const lcMono = path.join(dir, 'lc-mono.mp4');
const mp3 = path.join(dir, 'mp3.mp4');
await runTool('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:r=24000:d=2', '-c:a', 'aac', '-b:a', '32k', '-ac', '1', ...FRAGMENTED, lcMono]);
await runTool('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=440:r=44100:d=2', '-c:a', 'libmp3lame', '-b:a', '64k', '-ac', '2', ...FRAGMENTED, mp3]);

const variants = new Map<HeAacSignalling, string>();
for (const kind of ['lc', 'explicit-v1', 'explicit-v2', 'implicit-v1', 'implicit-v2'] as const) {
  const file = path.join(dir, `${kind}.mp4`);
  await writeFile(file, heAacFixture(await readFile(lcMono), kind));
  variants.set(kind, file);
}

const MONO = { kid: Buffer.from('11111111111111111111111111111111', 'hex'), key: Buffer.from('0123456789abcdef0123456789abcdef', 'hex') };
const STEREO = { kid: Buffer.from('22222222222222222222222222222222', 'hex'), key: Buffer.from('fedcba9876543210fedcba9876543210', 'hex') };
/** A contract with a key per channel class, as SPEKE v2 AudioFilters return them. */
const channelKeys: KeySet = { keys: [
  { ...MONO, trackTypes: ['audio'], filters: [{ type: 'audio', maxChannels: 1 }] },
  { ...STEREO, trackTypes: ['audio'], filters: [{ type: 'audio', minChannels: 2 }] },
], drm: [] };

t.test('the channel class follows the SBR/PS signalling; ffprobe reads the same signalling', async (t) => {
  const expected: Record<HeAacSignalling, { rate: string; channels: 1 | 2 }> = {
    lc: { rate: '24000', channels: 1 },
    'explicit-v1': { rate: '48000', channels: 1 },
    'explicit-v2': { rate: '48000', channels: 2 },
    'implicit-v1': { rate: '48000', channels: 1 },
    'implicit-v2': { rate: '48000', channels: 2 },
  };
  for (const [kind, file] of variants) {
    const s = (await probe(file)).streams[0]!;
    t.equal(s.sample_rate, expected[kind].rate, `${kind}: ffprobe sees a ${expected[kind].rate} Hz output (SBR ${expected[kind].rate === '48000' ? 'on' : 'off'})`);
    // ffmpeg's decoder also outputs stereo for mono HE-AAC v1 (it allows in-band PS there): only v2 and LC pin the count.
    if (kind === 'lc' || kind.endsWith('v2')) t.equal(s.channels, expected[kind].channels, `${kind}: ffprobe sees ${expected[kind].channels} channel(s)`);
    const r = await encryptFile(file, path.join(dir, `${kind}-class.mp4`), { scheme: 'cenc', keys: channelKeys });
    const want = expected[kind].channels === 2 ? STEREO : MONO;
    t.equal(r.tracks[0]?.kid, want.kid.toString('hex'), `${kind}: encrypted with the ${want === STEREO ? 'stereo' : 'mono'} key (channelConfiguration 1${kind.endsWith('v2') ? ' + Parametric Stereo' : ''})`);
  }
});

const GOLDEN: Array<{ name: string; file: () => string; scheme: CencScheme; shaka: boolean }> = [
  { name: 'HE-AAC v1 explicit', file: () => variants.get('explicit-v1')!, scheme: 'cenc', shaka: true },
  { name: 'HE-AAC v2 explicit', file: () => variants.get('explicit-v2')!, scheme: 'cbcs', shaka: true },
  { name: 'HE-AAC v2 implicit', file: () => variants.get('implicit-v2')!, scheme: 'cenc', shaka: true },
  { name: 'MP3 in mp4a', file: () => mp3, scheme: 'cbcs', shaka: false },
];

for (const { name, file, scheme, shaka } of GOLDEN) {
  t.test(`${name}, ${scheme}`, async (t) => {
    const input = file();
    const out = path.join(dir, `${path.basename(input, '.mp4')}-${scheme}.mp4`);
    const { kid, key } = TEST_KEYS.audio;
    await encryptFile(input, out, { scheme, keys: new StaticKeys([{ kid, key }]), iv: testIv(scheme) });
    const report = await protectionReport(out);
    t.same(report.parseErrors, [], 'mp4box.js parses the output');
    const e = report.entries[0];
    t.same([e?.entryType, e?.originalFormat, e?.schemeType, e?.cryptByteBlock, e?.skipByteBlock], ['enca', 'mp4a', scheme, 0, 0], `enca, frma mp4a, ${scheme}, no pattern (full sample)`);
    t.ok(report.fragments.every((f) => f.senc && f.senc.samples.every((s) => s.subsamples.length === 0)), 'full-sample: no subsamples');
    const esds = (b: Buffer) => { const at = b.indexOf('esds', 0, 'latin1') - 4; return b.subarray(at, at + b.readUInt32BE(at)); };
    t.ok(esds(await readFile(out)).equals(esds(await readFile(input))), 'the esds (its AudioSpecificConfig) is kept byte for byte');

    const clear = await framemd5(input, { stream: 'audio' });
    t.same(frameDigests(await framemd5(out, { stream: 'audio', decryptionKey: key })), frameDigests(clear), `ffmpeg (pipe) decrypts to the clear frames (${clear.length})`);
    const bad = await framemd5Lenient(out, { stream: 'audio', decryptionKey: TEST_KEYS.wrong });
    t.notSame(frameContents(bad.frames), frameContents(clear), `ffmpeg, wrong key: frames differ (exit ${bad.exitCode})`);
    if (!shaka) return;
    const dec = path.join(dir, `${path.basename(out, '.mp4')}-shaka.mp4`);
    await shakaDecrypt({ input: out, streams: [{ stream: 'audio', output: dec }], keys: [{ kid, key }] });
    t.same(frameContents(await framemd5(dec, { stream: 'audio' })), frameContents(clear), 'Shaka Packager decrypts to the clear frames');
    const decBad = path.join(dir, `${path.basename(out, '.mp4')}-shaka-bad.mp4`);
    const r = await shakaDecryptLenient({ input: out, streams: [{ stream: 'audio', output: decBad }], keys: [{ kid, key: TEST_KEYS.wrong }] });
    const badFrames = r.exitCode === 0 ? frameContents((await framemd5Lenient(decBad, { stream: 'audio' })).frames) : [];
    t.notSame(badFrames, frameContents(clear), `Shaka, wrong key: frames differ (exit ${r.exitCode})`);
  });
}
