/**
 * Our MPDs validate with xmllint (Debian libxml2-utils, else xmllint-wasm) against schema/mpd-protection.xsd (the
 * MPD structure segcrypt writes: ContentProtection placement and attributes, cenc:default_KID,
 * cenc:pssh, SegmentBase ranges; see the header of that file for why it is a subset). Each
 * mutation that breaks one of those rules must fail validation, so the check can fail.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLES } from '../oracles/run-tool.js';
import { validateXml } from '../oracles/xmllint.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { buildPlayReadyObject, buildPlayReadyPssh, buildWidevinePssh, buildWrmHeader, SYSTEM_IDS } from '../../src/keys/drm/index.js';
import type { KeySet } from '../../src/keys/content-key.js';

const SCHEMA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema', 'mpd-protection.xsd');

async function validate(file: string): Promise<{ ok: boolean; stderr: string }> {
  const r = await validateXml(file, SCHEMA);
  return { ok: r.valid, stderr: `${r.validator}: ${r.report}` };
}

const vkid = Buffer.from('11112222333344445555666677778888', 'hex');
const akid = Buffer.from('aaaabbbbccccddddeeeeffff00001111', 'hex');
function keySet(scheme: 'cenc' | 'cbcs'): KeySet {
  const keys = [{ kid: vkid, key: Buffer.alloc(16, 1), trackTypes: ['video' as const] }, { kid: akid, key: Buffer.alloc(16, 2), trackTypes: ['audio' as const] }];
  return {
    keys,
    drm: keys.flatMap((k) => [
      { systemId: SYSTEM_IDS.widevine, kid: k.kid, pssh: buildWidevinePssh({ kids: [k.kid], scheme }) },
      { systemId: SYSTEM_IDS.playready, kid: k.kid, pssh: buildPlayReadyPssh(buildPlayReadyObject(buildWrmHeader({ keys: [k], scheme })), [k.kid]) },
    ]),
  };
}

t.test('MPD schema validation', async (t) => {
  for (const sample of ['dash', 'dash-timeline', 'dash-shaka', 'dash-shaka-single']) {
    const clear = await validate(path.join(SAMPLES, sample, 'manifest.mpd'));
    t.ok(clear.ok, `${sample}: the clear input validates`, { stderr: clear.stderr });
    for (const scheme of ['cenc', 'cbcs'] as const) {
      const out = path.join(scratchDir(t, 'segcrypt-schema-'), 'pkg');
      await encryptPackage(path.join(SAMPLES, sample), out, { scheme, keys: keySet(scheme), clearKeyLicenseUrl: 'https://lic.example/ck?x=1&y=2' });
      const mpd = path.join(out, 'manifest.mpd');
      const text = readFileSync(mpd, 'utf8');
      t.equal(text.match(/<ContentProtection /g)?.length, 8, `${sample} ${scheme}: mp4protection, Widevine, PlayReady, ClearKey per AdaptationSet`);
      t.match(text, `cenc:default_KID="11112222-3333-4444-5555-666677778888"`, 'video KID');
      t.match(text, `cenc:default_KID="aaaabbbb-cccc-dddd-eeee-ffff00001111"`, 'audio KID: per-track keys reach the signaling');
      const r = await validate(mpd);
      t.ok(r.ok, `${sample} ${scheme}: our MPD validates`, { stderr: r.stderr });
    }
  }

  // Negative twins: each breaks one rule the schema states.
  const dir = scratchDir(t, 'segcrypt-schema-neg-');
  const out = path.join(dir, 'pkg');
  await encryptPackage(path.join(SAMPLES, 'dash-shaka'), out, { scheme: 'cenc', keys: keySet('cenc') });
  const good = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
  const cp = /\n\s*<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011"[^>]*\/>/.exec(good)![0];
  const single = readFileSync(path.join(SAMPLES, 'dash-shaka-single', 'manifest.mpd'), 'utf8');
  // [what, the document mutated, the mutated text]: each mutation must change its own document.
  const mutations: [string, string, string][] = [
    ['ContentProtection after the Representation', good, good.replace(cp, '').replace('</AdaptationSet>', `${cp.trim()}</AdaptationSet>`)],
    ['default_KID not a UUID', good, good.replace('cenc:default_KID="11112222-3333-4444-5555-666677778888"', 'cenc:default_KID="1111222233334444"')],
    ['cenc:pssh not base64', good, good.replace(/<cenc:pssh>[^<]*<\/cenc:pssh>/, '<cenc:pssh>not base64!</cenc:pssh>')],
    ['ContentProtection without schemeIdUri', good, good.replace('<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011"', '<ContentProtection')],
    ['indexRange not a byte range', single, single.replace('indexRange="840-907"', 'indexRange="840"')],
  ];
  for (const [what, before, text] of mutations) {
    t.not(text, before, `${what}: the mutation applied`);
    const f = path.join(dir, 'bad.mpd');
    writeFileSync(f, text);
    const r = await validate(f);
    t.notOk(r.ok, `${what}: rejected by the schema`);
  }
});
