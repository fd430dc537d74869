import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKeyServer } from '../../src/key-server/http-server.js';
import { keyProviderFromOptions } from '../../src/keys/provider-from-options.js';
import { encryptFile } from '../../src/api/index.js';
import { framemd5, framemd5Lenient, frameDigests } from '../oracles/ffmpeg.js';

const MUXED = fileURLToPath(new URL('../../samples/media/muxed.mp4', import.meta.url));

/**
 * The whole key path: keyProviderFromOptions (as the CLI builds it) -> SPEKE v2 over loopback
 * -> the engine encrypts with the fetched per-track keys and writes the pssh boxes the server
 * returned -> ffmpeg decrypts each track with its own key to the clear frames.
 */
t.test('SPEKE v2 keys from the built-in server encrypt a muxed file that ffmpeg decrypts per track', async (t) => {
  const server = await startKeyServer({ secret: '66f97c513cbe359a0e1236d3ec302ec606e7b0b08ee9542430d4efee6e8f97de', auth: { bearer: 'tok' } });
  const dir = await mkdtemp(join(tmpdir(), 'segcrypt-speke-e2e-'));
  t.teardown(async () => { await server.close(); await rm(dir, { recursive: true, force: true }); });
  const provider = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'e2e-muxed', spekeVersion: 2, drm: ['widevine', 'playready'], auth: 'bearer:tok' });
  const set = await provider.getKeys({ contentId: 'e2e-muxed', trackTypes: ['video', 'audio'], scheme: 'cenc' });
  const out = join(dir, 'out.mp4');
  const result = await encryptFile(MUXED, out, { scheme: 'cenc', keys: provider, contentId: 'e2e-muxed', poolSize: 0 });
  const video = set.keys.find((k) => k.trackTypes?.includes('video'))!;
  const audio = set.keys.find((k) => k.trackTypes?.includes('audio'))!;
  t.not(video.kid.toString('hex'), audio.kid.toString('hex'));
  t.same(new Set(result.kids), new Set([video.kid.toString('hex'), audio.kid.toString('hex')]), 'the engine used the fetched KIDs');
  const bytes = await readFile(out);
  for (const d of set.drm) t.ok(bytes.indexOf(d.pssh!) > 0, `the server's ${d.systemId} pssh for kid ${d.kid.toString('hex').slice(0, 8)} is in the output`);
  const clearVideo = frameDigests(await framemd5(MUXED, { stream: 'video' }));
  const clearAudio = frameDigests(await framemd5(MUXED, { stream: 'audio' }));
  t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: video.key })), clearVideo, 'video decrypts with the video key');
  t.same(frameDigests(await framemd5(out, { stream: 'audio', decryptionKey: audio.key })), clearAudio, 'audio decrypts with the audio key');
  const wrong = await framemd5Lenient(out, { stream: 'video', decryptionKey: audio.key });
  t.notSame(frameDigests(wrong.frames), clearVideo, 'the audio key does not decrypt video');
});
