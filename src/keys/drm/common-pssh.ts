import { buildPssh } from './pssh-box.js';
import { SYSTEM_IDS } from './system-ids.js';

/** W3C "common" PSSH (version 1, KIDs listed, no data): what ClearKey players read. */
export function buildCommonPssh(kids: Buffer[]): Buffer {
  const unique = dedupeKids(kids);
  return buildPssh(SYSTEM_IDS.common, Buffer.alloc(0), unique);
}

function dedupeKids(kids: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return kids.filter((k) => { const h = k.toString('hex'); if (seen.has(h)) return false; seen.add(h); return true; });
}
