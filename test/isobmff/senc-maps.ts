/** Every sample's subsample map in a protected fMP4, as JSON text, in file order (for comparing two encryptions). */
import { readFileSync } from 'node:fs';
import { childBoxes, parseSenc, topLevelBoxes } from '../../src/isobmff/index.js';

export function subsampleMaps(file: string, ivSize: number): string[] {
  const buf = readFileSync(file);
  const out: string[] = [];
  for (const moof of topLevelBoxes(buf).filter((b) => b.type === 'moof')) {
    for (const traf of childBoxes(buf, moof).filter((b) => b.type === 'traf')) {
      const senc = childBoxes(buf, traf).find((b) => b.type === 'senc');
      if (senc) for (const e of parseSenc(buf, senc, ivSize)) out.push(JSON.stringify(e.subsamples));
    }
  }
  return out;
}
