import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptFile } from '../../src/api/index.js';
import { inspectFile } from '../../src/api/inspect.js';
import { StaticKeys } from '../../src/keys/index.js';
import { protectionReport } from '../oracles/mp4box-js.js';

const VKID = '00112233445566778899aabbccddeeff';
const AKID = '0102030405060708090a0b0c0d0e0f10';
const KEY = 'ffeeddccbbaa99887766554433221100';

t.test('inspect reports what encryptFile wrote, per track', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-inspect-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'muxed-cbcs.mp4');
  await encryptFile('samples/media/muxed.mp4', out, { scheme: 'cbcs', poolSize: 0, keys: StaticKeys.fromSpecs([`video=${VKID}:${KEY}`, `audio=${AKID}:${KEY}`]) });
  const r = await inspectFile(out);
  t.equal(r.container, 'fmp4');
  const video = r.tracks!.find((x) => x.handler === 'vide')!;
  const audio = r.tracks!.find((x) => x.handler === 'soun')!;
  t.match(video, { sampleEntry: 'encv', originalFormat: 'avc1', scheme: 'cbcs', kid: VKID, constantIv: true, pattern: '1:9' });
  t.match(audio, { sampleEntry: 'enca', originalFormat: 'mp4a', scheme: 'cbcs', kid: AKID, pattern: '0:0' });
  t.same(r.pssh!.map((p) => p.system), ['common']);
  t.ok(r.samples!.some((s) => s.trackId === video.trackId && s.subsamples.length > 0), 'video samples carry subsamples');

  // inspect is segcrypt's own reader: what it says must be what mp4box.js (an independent parser) reads.
  const m = await protectionReport(out);
  t.same(m.parseErrors, [], 'mp4box.js parses the file');
  t.equal(m.entries.length, r.tracks!.length, 'mp4box.js sees as many protected tracks');
  for (const track of r.tracks!) {
    const e = m.entries.find((x) => x.trackId === track.trackId);
    t.ok(e, `track ${track.trackId}: mp4box.js finds its protected sample entry`);
    if (!e) continue;
    t.same({ sampleEntry: track.sampleEntry, originalFormat: track.originalFormat, scheme: track.scheme, kid: track.kid, ivSize: track.ivSize, constantIv: track.constantIv, pattern: track.pattern },
      { sampleEntry: e.entryType, originalFormat: e.originalFormat, scheme: e.schemeType, kid: e.defaultKid, ivSize: e.perSampleIvSize, constantIv: e.constantIvSize > 0, pattern: `${e.cryptByteBlock}:${e.skipByteBlock}` },
      `track ${track.trackId} (${track.handler}): inspect agrees with mp4box.js on sinf/tenc`);
  }
  t.same(r.pssh!.map((p) => [p.systemId.replace(/-/g, ''), p.version, p.kids]), m.pssh.map((p) => [p.systemId, p.version, p.kids]), 'pssh: same systems, versions and KIDs');
  t.equal(r.fragments, new Set(m.fragments.map((f) => f.moofIndex)).size, 'same number of fragments');
  for (const s of r.samples!) {
    const senc = m.fragments.find((f) => f.moofIndex === s.fragment && f.trackId === s.trackId)?.senc;
    t.same(senc?.samples[s.sample], { iv: s.ivHex, subsamples: s.subsamples }, `fragment ${s.fragment} track ${s.trackId} sample ${s.sample}: same IV and subsamples in mp4box.js's senc`);
  }

  const clear = await inspectFile('samples/media/avc.mp4');
  t.equal(clear.tracks![0]!.scheme, undefined, 'clear input shows no scheme');
});

t.test('inspect CLI: TS stream types, and a missing file exits with the I/O code', async (t) => {
  const ts = spawnSync(process.execPath, ['bin/segcrypt.js', 'inspect', 'samples/ts/avc-aac.ts', '--json'], { encoding: 'utf8' });
  t.equal(ts.status, 0, ts.stderr);
  const report = JSON.parse(ts.stdout);
  t.same(report.streams.map((s: { streamType: string }) => s.streamType), ['0x1b', '0x0f']);
  const missing = spawnSync(process.execPath, ['bin/segcrypt.js', 'inspect', '/nonexistent/file.mp4'], { encoding: 'utf8' });
  t.equal(missing.status, 74);
  t.match(missing.stderr, /^segcrypt: ERR_INPUT: /);
  t.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
});
