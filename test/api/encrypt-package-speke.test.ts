/**
 * encryptPackage with keys from the built-in SPEKE v2 key server: per-track keys, and the
 * server's DRM signaling (ContentProtectionData, HLSSignalingData) in the manifests as returned;
 * the pssh boxes the MPD signals are the ones in the encrypted init segments (mp4box.js).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import type { KeyProvider, KeySet } from '../../src/keys/content-key.js';

/** Remembers what the key server answered, so the test can compare the manifests with it. */
function recording(p: KeyProvider): KeyProvider & { last?: KeySet } {
  const r: KeyProvider & { last?: KeySet } = {
    async getKeys(req) { r.last = await p.getKeys(req); return r.last; },
  };
  return r;
}

t.test('SPEKE v2 keys and signaling', async (t) => {
  const server = await startKeyServer({ secret: '9a3f5964cce83fa7c9673e68a72b744c4d492d62dc4ca1d73fecd9eab921ac6b' });
  t.teardown(() => server.close());
  const provider = (contentId: string, drm: ('widevine' | 'playready' | 'fairplay')[]) => recording(keyProviderFromOptions({ spekeUrl: server.url, contentId, spekeVersion: 2, drm }));

  await t.test('DASH cenc: ContentProtectionData as returned, per-track KIDs, pssh = init pssh', async (t) => {
    const out = path.join(scratchDir(t, 'segcrypt-speke-'), 'out');
    const keys = provider('dash-asset', ['widevine', 'playready']); // FairPlay is cbcs-only: the server refuses it with cenc
    const r = await encryptPackage(path.join(SAMPLES, 'dash-shaka'), out, { scheme: 'cenc', keys });
    const set = keys.last!;
    t.not(r.kids.video, r.kids.audio, 'the server gave video and audio their own keys');
    const mpd = readFileSync(path.join(out, 'manifest.mpd'), 'utf8');
    for (const d of set.drm.filter((x) => x.contentProtectionData)) {
      t.ok(mpd.includes(d.contentProtectionData!.trim()), `${d.systemId} kid ${d.kid.toString('hex').slice(0, 8)}: ContentProtectionData verbatim in the MPD`);
    }
    t.match(mpd, 'xmlns:mspr="urn:microsoft:playready"', 'mspr declared for the server\'s mspr:pro');
    for (const [track, dir] of [['video', 'video'], ['audio', 'audio']] as const) {
      const report = await protectionReport(path.join(out, dir, 'init.mp4'));
      const kid = r.kids[track]!;
      t.equal(report.entries[0] && 'defaultKid' in report.entries[0] ? report.entries[0].defaultKid : undefined, kid, `${track} init: tenc KID = the ${track} key`);
      const uuid = `${kid.slice(0, 8)}-${kid.slice(8, 12)}-${kid.slice(12, 16)}-${kid.slice(16, 20)}-${kid.slice(20)}`;
      t.match(mpd, `cenc:default_KID="${uuid}"`);
      t.ok(report.pssh.length >= 2, `${track} init carries the server's pssh boxes`);
      for (const d of set.drm.filter((x) => x.kid.toString('hex') === kid && x.pssh)) {
        t.ok(mpd.includes(d.pssh!.toString('base64')), `${d.systemId}: the MPD's cenc:pssh is the pssh the server returned (and the engine placed)`);
      }
    }
  });

  await t.test('HLS fMP4 cbcs: HLSSignalingData as returned in media and master playlists', async (t) => {
    const out = path.join(scratchDir(t, 'segcrypt-speke-'), 'out');
    const keys = provider('hls-asset', ['widevine', 'playready', 'fairplay']);
    await encryptPackage(path.join(SAMPLES, 'hls-shaka'), out, { scheme: 'cbcs', keys });
    const set = keys.last!;
    const master = readFileSync(path.join(out, 'master.m3u8'), 'utf8');
    const withHls = set.drm.filter((d) => d.hlsSignalingDataMedia);
    t.ok(withHls.length > 0, 'the server returned HLS signaling');
    for (const [playlist, track] of [['video.m3u8', 'video'], ['audio.m3u8', 'audio']] as const) {
      const text = readFileSync(path.join(out, playlist), 'utf8');
      const kid = set.keys.find((k) => k.trackTypes?.includes(track))!.kid;
      for (const d of withHls.filter((x) => x.kid.equals(kid))) {
        for (const line of d.hlsSignalingDataMedia!.split(/\r?\n/).filter(Boolean)) t.ok(text.includes(line.trim()), `${playlist}: ${d.systemId} line as returned`);
        for (const line of d.hlsSignalingDataMaster!.split(/\r?\n/).filter(Boolean)) t.ok(master.includes(line.trim()), `master: ${d.systemId} session key as returned`);
      }
      t.ok(text.indexOf('#EXT-X-KEY') < text.indexOf('#EXT-X-MAP'), `${playlist}: keys before EXT-X-MAP`);
    }
  });
});
