/**
 * `segcrypt serve` without a browser: the key server it starts from a folder's key-server.json
 * (recorded secret and issued KIDs) answers the license URL of the served manifest, whose recorded
 * key server address is replaced by the live one; the page server keeps to the package folders
 * (never the secret), to loopback Host names and to GET; missing players and a missing folder are
 * typed errors with their exit codes.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePlayerLibs, startServe, writeKeyServerRecord } from '../../src/serve/index.js';
import { rawRequest } from '../key-server/attack-requests.js';
import { scratchDir } from '../oracles/scratch-dir.js';

const SECRET = Buffer.from('9e1c07a5be3f2d4b8a6c1e0f7d9b3a5c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b', 'hex');
const KID = '00112233445566778899aabbccddeeff';
const OLD = 'http://127.0.0.1:1';

function folder(t: Parameters<typeof scratchDir>[0]): string {
  const dir = scratchDir(t, 'segcrypt-serve-cmd-');
  mkdirSync(join(dir, 'pkg-a'));
  const url = `${OLD}/clearkey/movie-a?token=T`;
  writeFileSync(join(dir, 'pkg-a', 'manifest.mpd'), `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013"><Period><AdaptationSet>
<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="00112233-4455-6677-8899-aabbccddeeff"/>
<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"><dashif:Laurl xmlns:dashif="https://dashif.org/CPS">${url}</dashif:Laurl></ContentProtection>
</AdaptationSet></Period></MPD>`);
  writeFileSync(join(dir, 'pkg-a', 'seg.m4s'), Buffer.from('0123456789'));
  return dir;
}

t.test('the recorded key server runs again: served manifests name it, it answers their license URL', async (t) => {
  const dir = folder(t);
  await writeKeyServerRecord(dir, { origin: OLD, secret: SECRET, issued: [{ contentId: 'movie-a', kid: Buffer.from(KID, 'hex') }] });
  const s = await startServe({ dir, port: 0 });
  t.teardown(() => s.close());
  t.equal(s.packages, 1);
  const port = Number(new URL(s.url).port);
  const mpd = (await rawRequest(port, 'GET', '/pkg/pkg-a/manifest.mpd')).body.toString();
  const ks = new URL(s.keyServer!.url).origin;
  t.notMatch(mpd, OLD + '/', 'the recorded address is gone');
  const laUrl = /<dashif:Laurl[^>]*>([^<]+)</.exec(mpd)![1]!;
  t.equal(laUrl, `${ks}/clearkey/movie-a?token=T`, 'replaced by the live key server\'s');
  const list = JSON.parse((await rawRequest(port, 'GET', '/packages.json')).body.toString()) as { packages: { name: string; scheme: string; kids: string[]; drmSystems: string[]; signaling: string[] }[] };
  t.same(list.packages.map((p) => [p.name, p.scheme, p.kids, p.drmSystems]), [['pkg-a', 'cenc', ['00112233-4455-6677-8899-aabbccddeeff'], ['ClearKey']]]);
  t.match(list.packages[0]!.signaling.join('\n'), `${ks}/clearkey/movie-a`, 'the page shows the signaling players get');
  const license = await fetch(s.keyServer!.clearKeyLicenseUrl('movie-a'), { method: 'POST', body: JSON.stringify({ kids: [Buffer.from(KID, 'hex').toString('base64url')] }) });
  t.equal(license.status, 200, 'the recorded KID is issued on the restarted server');
  const wrongOrigin = await fetch(s.keyServer!.clearKeyLicenseUrl('movie-a'), { method: 'POST', headers: { origin: 'http://127.0.0.1:1' }, body: '{}' });
  t.equal(wrongOrigin.status, 403, 'only the page\'s origin may call it from a browser');
  const range = await rawRequest(port, 'GET', '/pkg/pkg-a/seg.m4s', { range: 'bytes=2-4' });
  t.equal(range.status, 206);
  t.equal(range.body.toString(), '234');
});

t.test('--key-server URL: no key server started, manifests name the given one', async (t) => {
  const dir = folder(t);
  await writeKeyServerRecord(dir, { origin: OLD, secret: SECRET, issued: [] });
  const s = await startServe({ dir, port: 0, keyServerUrl: 'http://127.0.0.1:9999/speke/copyProtection' });
  t.teardown(() => s.close());
  t.equal(s.keyServer, undefined);
  t.match(s.keyServerNote, /^Key server: http:\/\/127\.0\.0\.1:9999 \(--key-server; start it with --allowed-origin http:\/\/127\.0\.0\.1:\d+\)/);
  const mpd = (await rawRequest(Number(new URL(s.url).port), 'GET', '/pkg/pkg-a/manifest.mpd')).body.toString();
  t.match(mpd, '>http://127.0.0.1:9999/clearkey/movie-a?token=T<');
  await t.rejects(startServe({ dir, port: 0, keyServerUrl: 'ftp://x' }), { code: 'ERR_CLI_ARGS' });
});

t.test('the page server: package folders only, loopback Host, GET', async (t) => {
  const dir = folder(t);
  await writeKeyServerRecord(dir, { origin: OLD, secret: SECRET, issued: [] });
  const s = await startServe({ dir, port: 0 });
  t.teardown(() => s.close());
  const port = Number(new URL(s.url).port);
  for (const p of ['/pkg/key-server.secret', '/pkg/key-server.json', '/pkg/pkg-a/../key-server.secret', '/pkg/pkg-a/..%2fkey-server.secret', '/pkg/%2e%2e/key-server.secret', '/key-server.secret']) {
    const r = await rawRequest(port, 'GET', p);
    t.equal(r.status, 404, `${p}: 404`);
    t.notMatch(r.body.toString('hex'), SECRET.toString('hex'));
  }
  t.equal((await rawRequest(port, 'GET', '/', { host: 'rebind.example' })).status, 421, 'a Host that is not loopback: 421');
  t.equal((await rawRequest(port, 'POST', '/')).status, 405);
  const page = await rawRequest(port, 'GET', '/');
  t.equal(page.status, 200);
  t.match(page.body.toString(), '<script src="/page.js"></script>');
  const script = (await rawRequest(port, 'GET', '/page.js')).body.toString();
  t.notMatch(script, /clearKeys|servers|configure\(/, 'the page configures no keys and no license server: players use what the manifests name');
  t.equal((await rawRequest(port, 'GET', '/lib/shaka-player.compiled.js')).status, 200, 'shaka-player from node_modules');
  t.equal((await rawRequest(port, 'GET', '/lib/hls.min.js')).status, 200, 'hls.js from node_modules');
});

t.test('missing players: ERR_SERVE_PLAYERS_MISSING naming the one install command', async (t) => {
  const empty = scratchDir(t, 'segcrypt-serve-noplayers-');
  writeFileSync(join(empty, 'package.json'), '{}');
  t.throws(() => resolvePlayerLibs([join(empty, 'package.json')]), { code: 'ERR_SERVE_PLAYERS_MISSING', message: /shaka-player and hls\.js not installed: npm install shaka-player hls\.js$/ });
  t.ok(resolvePlayerLibs().shaka.endsWith('shaka-player.compiled.js'), 'in this checkout (devDependencies) they resolve');
});

t.test('CLI: a missing folder is exit 74, a bad port 64', async (t) => {
  const missing = spawnSync(process.execPath, ['bin/segcrypt.js', 'serve', '/nonexistent/segcrypt-serve', '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
  t.equal(missing.status, 74, missing.stderr);
  t.match(missing.stderr, /^segcrypt: ERR_SERVE_DIR: cannot read the packages folder \/nonexistent\/segcrypt-serve: ENOENT/);
  const port = spawnSync(process.execPath, ['bin/segcrypt.js', 'serve', '--port', 'x'], { encoding: 'utf8', timeout: 30_000 });
  t.equal(port.status, 64);
  t.match(port.stderr, /ERR_CLI_ARGS: --port must be 0-65535/);
});
