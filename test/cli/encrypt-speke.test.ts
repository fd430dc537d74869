// Issue 3's CLI acceptance: `segcrypt encrypt --speke-url` against the built-in server over real
// HTTP, the server's pssh boxes in the output, and ffmpeg decrypting with the keys it derived.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyServer } from '../../src/key-server/index.js';
import { keyForTrack, keyProviderFromOptions, SYSTEM_IDS } from '../../src/keys/index.js';
import { inspectFile } from '../../src/api/inspect.js';
import { frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/segcrypt.js', ...args]);
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

t.test('segcrypt encrypt --speke-url (v2, bearer) writes the server pssh and decrypts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'segcrypt-cli-speke-'));
  const server = await startKeyServer({ port: 0, secret: 'e8a9b6cdc7dd9b711d953022fd782b782f7ce44494fb9ac7bd015fcee30c475f', auth: { bearer: 'tok' } });
  t.teardown(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });
  const out = join(dir, 'avc-cbcs.mp4');
  const kid = '0123456789abcdef0123456789abcdef';
  const r = await run(['encrypt', 'samples/media/avc.mp4', '-o', out, '--scheme', 'cbcs', '--speke-url', server.url, '--content-id', 'cli-movie',
    '--speke-version', '2', '--drm', 'widevine,playready,fairplay', '--auth', 'bearer:tok', '--json']);
  t.equal(r.status, 0, r.stderr);
  const report = await inspectFile(out);
  const systems = report.pssh!.map((p) => p.systemId).sort();
  t.same(systems, [SYSTEM_IDS.playready, SYSTEM_IDS.widevine].sort(), 'Widevine and PlayReady pssh from the server (FairPlay has none)');
  const usedKid = report.tracks![0]!.kid!;
  t.not(usedKid, kid);

  // The same server derives the same key for (content id, KID): fetch it in-process and decrypt with ffmpeg.
  const provider = keyProviderFromOptions({ spekeUrl: server.url, contentId: 'cli-movie', auth: 'bearer:tok', drm: ['widevine'] });
  const set = await provider.getKeys({ contentId: 'cli-movie', trackTypes: ['video'], scheme: 'cbcs', kids: [usedKid] });
  const key = keyForTrack(set, 'video')!.key;
  const clear = frameDigests(await framemd5('samples/media/avc.mp4'));
  t.same(frameDigests(await framemd5(out, { decryptionKey: key })), clear, 'frames identical to the clear source');
  const wrong = Buffer.from(key); wrong[0] = wrong[0]! ^ 1;
  t.notSame(frameDigests((await framemd5Lenient(out, { decryptionKey: wrong })).frames), clear, 'a wrong key gives different frames');

  const denied = await run(['encrypt', 'samples/media/avc.mp4', '-o', join(dir, 'x.mp4'), '--scheme', 'cbcs', '--speke-url', server.url, '--content-id', 'cli-movie', '--auth', 'bearer:nope']);
  t.equal(denied.status, 69, 'key acquisition exit code');
  t.match(denied.stderr, /^segcrypt: ERR_SPEKE_AUTH: /);
  t.notMatch(denied.stderr, /nope/, 'the token is not echoed');
});
