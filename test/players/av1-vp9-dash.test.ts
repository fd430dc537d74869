/**
 * AV1 and VP9 DASH through `segcrypt package`: ffmpeg-made packages (6 s of 320x180 at 15 fps,
 * 2 s segments, fMP4), encrypted with cenc and cbcs. The CLI's MPD keeps the codecs strings and
 * gains the ContentProtection signaling, valid against the MPD protection schema (xmllint); then
 * shaka-player in Chromium (ClearKey) plays each encrypted package with the right key and fails
 * with a wrong one (test/players/fixtures/package-playback.ts). One browser for the whole file.
 */
import t from 'tap';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, runTool } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { validateXml } from '../oracles/xmllint.js';
import { playersSkipped, runCases, type Case } from './fixtures/package-playback.js';

const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'signaling', 'schema', 'mpd-protection.xsd');
const ENCODERS = {
  av1: ['-c:v', 'libsvtav1', '-preset', '12'],
  vp9: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'],
} as const;
const CODECS = { av1: /codecs="av01\.[^"]+"/, vp9: /codecs="vp09\.[^"]+"/ } as const;

const work = scratchDir(t, 'segcrypt-av1-vp9-dash-');
const made = new Map<string, Promise<string>>();

/** The clear ffmpeg DASH package of one codec, encoded once per file. */
function clearPackage(codec: keyof typeof ENCODERS): Promise<string> {
  let p = made.get(codec);
  if (!p) {
    const dir = path.join(work, `clear-${codec}`);
    mkdirSync(dir, { recursive: true });
    p = runTool('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15:duration=6',
      ...ENCODERS[codec], '-g', '15', '-keyint_min', '15', '-f', 'dash', '-dash_segment_type', 'mp4', '-seg_duration', '2',
      '-use_template', '1', '-use_timeline', '0', path.join(dir, 'manifest.mpd')], { timeoutMs: 120_000 }).then(() => dir);
    made.set(codec, p);
  }
  return p;
}

t.test('segcrypt package: AV1 and VP9 representations with their ContentProtection', async (t) => {
  for (const codec of ['av1', 'vp9'] as const) {
    for (const scheme of ['cenc', 'cbcs'] as const) {
      const out = path.join(work, `cli-${codec}-${scheme}`);
      const r = await runTool(process.execPath, [path.join(REPO_ROOT, 'bin', 'segcrypt.js'), 'package', await clearPackage(codec), out,
        '--scheme', scheme, '--key', 'video=7e571d047e571d047e571d047e571d04:3c1ab0ddf00d3c1ab0ddf00d5eedfeed', '--json', '--no-progress']);
      const summary = JSON.parse(r.stdout) as { format: string; kids: Record<string, string> };
      t.equal(summary.format, 'dash', `${codec} ${scheme}: a DASH package`);
      const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
      t.match(mpd, CODECS[codec], `${codec} ${scheme}: the codecs string is kept`);
      t.match(mpd, `schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${scheme}"`, `${codec} ${scheme}: mp4protection names the scheme`);
      t.match(mpd, 'cenc:default_KID="7e571d04-7e57-1d04-7e57-1d047e571d04"', `${codec} ${scheme}: default_KID`);
      const v = await validateXml(path.join(out, 'manifest.mpd'), SCHEMA);
      t.ok(v.valid, `${codec} ${scheme}: the MPD validates against the protection schema (${v.validator})`, { report: v.report });
    }
  }
});

const build = (codec: keyof typeof ENCODERS) => async (dir: string): Promise<void> => { cpSync(await clearPackage(codec), dir, { recursive: true }); };
const CASES: Case[] = (['av1', 'vp9'] as const).flatMap((codec) => (['cenc', 'cbcs'] as const).map((scheme): Case => (
  { name: `shaka-player, ${codec.toUpperCase()} DASH ${scheme} (ffmpeg package)`, sample: `${codec}-dash`, scheme, player: 'shaka', manifest: 'manifest.mpd', build: build(codec) })));

t.test('shaka-player plays AV1 and VP9 DASH', { skip: playersSkipped }, (t) => runCases(t, CASES));
