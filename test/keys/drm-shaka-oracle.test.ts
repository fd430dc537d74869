import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeWidevinePsshData } from '../../src/keys/drm/widevine-pssh.js';
import { buildWrmHeader, parsePlayReadyObject } from '../../src/keys/drm/playready-header.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';

// Oracle: Shaka Packager's own Widevine and PlayReady pssh for the same KID, key and scheme.
const PACKAGER = fileURLToPath(new URL('../../node_modules/shaka-packager/bin/packager-linux-x64', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../samples/media/aac.mp4', import.meta.url));
const KID = Buffer.from('98ee5596cd3ea20d163ae382420c6eff', 'hex');
const KEY = Buffer.from('e5d1808301ae518bb8747787b4d97127', 'hex');

/** pssh boxes directly under moov: systemId (hex) -> data. */
function psshData(file: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (start: number, end: number, inMoov: boolean): void => {
    for (let o = start; o + 8 <= end;) {
      const size = file.readUInt32BE(o);
      const type = file.toString('latin1', o + 4, o + 8);
      if (size < 8 || o + size > end) return;
      if (type === 'moov') walk(o + 8, o + size, true);
      else if (inMoov && type === 'pssh') {
        const version = file[o + 8]!;
        let p = o + 28;
        if (version > 0) p += 4 + 16 * file.readUInt32BE(p);
        out.set(file.subarray(o + 12, o + 28).toString('hex'), file.subarray(p + 4, p + 4 + file.readUInt32BE(p)));
      }
      o += size;
    }
  };
  walk(0, file.length, false);
  return out;
}

for (const scheme of ['cenc', 'cbcs'] as const) {
  t.test(`${scheme}: our Widevine data and PlayReady header equal Shaka Packager's`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'segcrypt-shaka-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'out.mp4');
    await promisify(execFile)('nice', ['-n', '10', PACKAGER, `in=${SAMPLE},stream=audio,output=${out}`, '--enable_raw_key_encryption',
      '--keys', `label=:key_id=${KID.toString('hex')}:key=${KEY.toString('hex')}`, '--protection_scheme', scheme,
      '--protection_systems', 'Widevine,PlayReady', '--clear_lead', '0'], { timeout: 60_000 });
    const pssh = psshData(await readFile(out));
    const wv = pssh.get(SYSTEM_IDS.widevine.replace(/-/g, ''));
    const pr = pssh.get(SYSTEM_IDS.playready.replace(/-/g, ''));
    t.ok(wv && pr, 'Shaka wrote both');
    t.equal(encodeWidevinePsshData({ kids: [KID], scheme }).toString('hex'), wv!.toString('hex'));
    t.equal(buildWrmHeader({ keys: [{ kid: KID, key: KEY }], scheme }), parsePlayReadyObject(pr!));
    if (scheme === 'cenc') {
      t.not(buildWrmHeader({ keys: [{ kid: KID, key: Buffer.alloc(16) }], scheme }), parsePlayReadyObject(pr!), 'another key, another checksum');
    }
  });
}
