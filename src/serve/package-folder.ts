/**
 * The packages of a folder: each sub-folder with a manifest at its top (an `.mpd`; else
 * `master.m3u8`, else its one `.m3u8`) is a package. Manifests are read through `rewrite`, the
 * same function the page server applies when it serves them, so the page shows what players get.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { IoError } from '../errors.js';
import { describeDash, describeHls, mediaPlaylistUris, type PackageInfo } from './package-listing.js';

export type ManifestRewrite = (text: string) => string;

/** The manifest a package folder is played from, or undefined when it holds none. */
function pickManifest(files: string[]): string | undefined {
  const mpd = files.filter((f) => f.endsWith('.mpd')).sort();
  if (mpd.length > 0) return mpd[0];
  if (files.includes('master.m3u8')) return 'master.m3u8';
  const m3u8 = files.filter((f) => f.endsWith('.m3u8'));
  return m3u8.length === 1 ? m3u8[0] : undefined;
}

/** A relative playlist URI inside `root`, or undefined (absolute URLs and escapes are not read). */
function inside(root: string, from: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const p = normalize(join(from, uri.split(/[?#]/)[0]!));
  return p.startsWith(root + sep) ? p : undefined;
}

export async function listPackages(dir: string, rewrite: ManifestRewrite): Promise<PackageInfo[]> {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch (e) {
    throw new IoError('ERR_SERVE_DIR', `cannot read the packages folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'} (run npm start to make out/demo, or name a folder)`, { where: dir, cause: e });
  }
  const out: PackageInfo[] = [];
  for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const root = join(dir, e.name);
    const manifest = pickManifest(await readdir(root));
    if (!manifest) continue;
    const text = rewrite(await readFile(join(root, manifest), 'utf8'));
    if (manifest.endsWith('.mpd')) { out.push(describeDash(e.name, manifest, text)); continue; }
    const media: string[] = [];
    for (const uri of mediaPlaylistUris(text)) {
      const p = inside(root, root, uri);
      if (p) media.push(rewrite(await readFile(p, 'utf8').catch(() => '')));
    }
    out.push(describeHls(e.name, manifest, [text, ...media]));
  }
  return out;
}
