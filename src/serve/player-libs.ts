/**
 * The players the page runs, from the installed npm packages (never a CDN: the machine may be
 * offline). shaka-player (86 MB) and hls.js (32 MB) are optional peer dependencies, so a plain
 * `npm install segcrypt` stays small; `segcrypt serve` is the one place that needs them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export interface PlayerLibs {
  /** shaka-player's compiled browser build (DASH, HLS fMP4). */
  shaka: string;
  /** hls.js's minified browser build (HLS MPEG-TS). */
  hlsjs: string;
}

const FILES = { shaka: 'shaka-player/dist/shaka-player.compiled.js', hlsjs: 'hls.js/dist/hls.min.js' } as const;
export const PLAYERS_INSTALL = 'npm install shaka-player hls.js';

/** Resolve a file from segcrypt's own location, then from the working directory's project. */
function resolveFrom(spec: string, bases: string[]): string | undefined {
  for (const base of bases) {
    try { return createRequire(base).resolve(spec); } catch { /* next base */ }
  }
  return undefined;
}

/** Both player builds, or ERR_SERVE_PLAYERS_MISSING naming the one command that installs them. */
export function resolvePlayerLibs(bases: string[] = [import.meta.url, join(process.cwd(), 'package.json')]): PlayerLibs {
  const shaka = resolveFrom(FILES.shaka, bases);
  const hlsjs = resolveFrom(FILES.hlsjs, bases);
  if (!shaka || !hlsjs) {
    const missing = [!shaka ? 'shaka-player' : '', !hlsjs ? 'hls.js' : ''].filter(Boolean).join(' and ');
    throw new UsageError('ERR_SERVE_PLAYERS_MISSING', `segcrypt serve plays packages with shaka-player and hls.js (optional peer dependencies); ${missing} not installed: ${PLAYERS_INSTALL}`, { where: 'serve' });
  }
  return { shaka, hlsjs };
}
