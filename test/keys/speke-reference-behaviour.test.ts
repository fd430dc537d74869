import t from 'tap';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { selectKey } from '../../src/keys/key-selection.js';
import { FIXED_PLAYREADY_KEY, FIXED_PLAYREADY_PSSH, FIXED_WIDEVINE_PSSH, startReferenceBehaviourServer } from './reference-behaviour-server.js';

// SpekeClient against a key server that behaves like AWS's SPEKE reference server: it fills the
// request in place, returns canned Widevine/PlayReady blobs, one fixed key for every KID when
// PlayReady is asked for, an empty KeyFormat for HLS AES-128, and IVs for FairPlay (v1).

const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
const PLAYREADY = '9a04f079-9840-4286-ab92-e65be0885f95';
const FAIRPLAY = '94ce86fb-07ff-4f43-adb8-93d2fa968ca2';
const AES128_V1 = '81376844-f976-481e-a84e-cc25d39b0b33';
const AES128_V2 = '3ea8778f-7742-4bf9-b18b-e834b2acbd47';
const uuid = (kid: Buffer): string => kid.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

t.test('v1 and v2, Widevine: the keys held for our KIDs, the canned pssh as returned', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  for (const version of [1, 2] as const) {
    const set = await new SpekeClient({ url: server.url, version, drmSystems: ['widevine'] }).getKeys({ contentId: `ref-wv-${version}`, trackTypes: ['video', 'audio'], scheme: 'cenc' });
    t.equal(set.keys.length, version === 1 ? 1 : 2, `v${version}: ${version === 1 ? 'one key' : 'a video and an audio key'}`);
    for (const k of set.keys) t.ok(k.key.equals(server.keyFor(`ref-wv-${version}`, uuid(k.kid))), `v${version}: the server's key for kid ${uuid(k.kid)}`);
    const wv = set.drm.filter((d) => d.systemId === WIDEVINE);
    t.equal(wv.length, set.keys.length);
    t.ok(wv.every((d) => d.pssh?.equals(FIXED_WIDEVINE_PSSH)), `v${version}: the pssh is the server's, used as returned`);
    if (version === 2) t.ok(wv.every((d) => d.hlsSignalingDataMedia?.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES,')), 'v2: HLS lines as returned');
  }
  t.match(server.requests.map((r) => r.version), [1, 2]);
  t.match(server.requests[0]!.body, /<cpix:CPIX id="ref-wv-1"/, 'v1 names the content in CPIX@id');
  t.match(server.requests[1]!.body, /<cpix:CPIX contentId="ref-wv-2" version="2.3"/, 'v2 in CPIX@contentId, version 2.3');
});

t.test('PlayReady asked for: every key is the one fixed PlayReady key, and the client takes it', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  for (const version of [1, 2] as const) {
    const set = await new SpekeClient({ url: server.url, version, drmSystems: ['widevine', 'playready'] }).getKeys({ contentId: `ref-pr-${version}`, trackTypes: ['video', 'audio'], scheme: 'cenc' });
    t.ok(set.keys.length > 0 && set.keys.every((k) => k.key.equals(FIXED_PLAYREADY_KEY)), `v${version}: ${set.keys.length} key(s), all the fixed one`);
    t.not(FIXED_PLAYREADY_KEY.toString('hex'), server.keyFor(`ref-pr-${version}`, uuid(set.keys[0]!.kid)).toString('hex'), 'not what the server would derive');
    t.ok(set.drm.filter((d) => d.systemId === PLAYREADY).every((d) => d.pssh?.equals(FIXED_PLAYREADY_PSSH)), `v${version}: canned PlayReady pssh`);
    if (version === 1) t.ok(set.drm.find((d) => d.systemId === PLAYREADY)?.smoothStreamingProtectionHeaderData, 'v1: speke:ProtectionHeader kept for Smooth Streaming');
  }
});

t.test('v1 FairPlay (cbcs): the IV the server sets on the key is kept', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url, version: 1, drmSystems: ['fairplay'] }).getKeys({ contentId: 'ref-fp', trackTypes: ['video', 'audio'], scheme: 'cbcs' });
  const k = set.keys[0]!;
  t.ok(k.key.equals(server.keyFor('ref-fp', uuid(k.kid))));
  t.ok(k.iv?.equals(k.key), 'explicitIV as returned (the reference server uses the key bytes)');
  const fp = set.drm.find((d) => d.systemId === FAIRPLAY)!;
  t.equal(fp.uriExtXKey, `${server.keyUrlPrefix}/ref-fp/${uuid(k.kid)}`);
  t.equal(fp.keyFormat, 'com.apple.streamingkeydelivery');
});

t.test('HLS AES-128: v1 (81376844, empty KeyFormat) and v2 (ClearKey 3ea8778f): the signaled URI serves the very key', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  for (const version of [1, 2] as const) {
    const contentId = `ref-aes-${version}`;
    const set = await new SpekeClient({ url: server.url, version }).getKeys({ contentId, trackTypes: ['video', 'audio'], scheme: 'aes-128' });
    const systemId = version === 1 ? AES128_V1 : AES128_V2;
    t.match(server.requests.at(-1)!.body, `systemId="${systemId}"`, `v${version} asks for ${systemId}`);
    for (const k of set.keys) {
      const d = set.drm.find((x) => x.systemId === systemId && x.kid.equals(k.kid))!;
      t.ok(d, `v${version}: a signal for kid ${uuid(k.kid)}`);
      const uri = version === 1 ? d.uriExtXKey! : /URI="([^"]+)"/.exec(d.hlsSignalingDataMedia!)![1]!;
      if (version === 1) t.equal(d.keyFormat, undefined, 'v1: the empty KeyFormat is dropped (identity)');
      const served = Buffer.from(await (await fetch(uri)).arrayBuffer());
      t.ok(served.equals(k.key), `v${version}: ${uri} serves the key the client got`);
    }
  }
});

t.test('v2 PRESET-VIDEO-3 + PRESET-AUDIO-2: five keys, each track class picks its own by the rules the server echoed', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  const set = await new SpekeClient({ url: server.url, version: 2, drmSystems: ['widevine'], videoPreset: 'PRESET-VIDEO-3', audioPreset: 'PRESET-AUDIO-2' })
    .getKeys({ contentId: 'ref-ladder', trackTypes: ['video', 'audio'], scheme: 'cenc' });
  t.same(set.keys.map((k) => k.intendedTrackType), ['SD', 'HD', 'UHD', 'STEREO_AUDIO', 'MULTICHANNEL_AUDIO']);
  for (const k of set.keys) t.ok(k.key.equals(server.keyFor('ref-ladder', uuid(k.kid))), `${k.intendedTrackType}: the server's key`);
  const pick = (track: Parameters<typeof selectKey>[1]): string | undefined => selectKey(set, track)?.intendedTrackType;
  t.equal(pick({ type: 'video', width: 640, height: 360 }), 'SD');
  t.equal(pick({ type: 'video', width: 1024, height: 576 }), 'SD', '1024x576 is still SD');
  t.equal(pick({ type: 'video', width: 1280, height: 720 }), 'HD');
  t.equal(pick({ type: 'video', width: 3840, height: 2160 }), 'UHD');
  t.equal(pick({ type: 'audio', channels: 2 }), 'STEREO_AUDIO');
  t.equal(pick({ type: 'audio', channels: 6 }), 'MULTICHANNEL_AUDIO');
});

t.test('an unknown system: the reference server\'s 500 reaches the caller with its text', async (t) => {
  const server = await startReferenceBehaviourServer();
  t.teardown(() => server.close());
  await t.rejects(new SpekeClient({ url: server.url, version: 2, drmSystems: ['irdeto'], transport: { retries: 0 } }).getKeys({ contentId: 'ref-x', trackTypes: ['video'], scheme: 'cenc' }),
    { code: 'ERR_SPEKE_HTTP', status: 500, message: /Invalid system ID 80a6be7e/ });
});
