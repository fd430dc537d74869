import type { KeySet } from '../content-key.js';

/**
 * One fetch per (content id, KIDs or track types, period, scheme, DRM systems) per process:
 * concurrent callers share the in-flight promise; failures are not cached.
 */
export class KeySetCache {
  private readonly entries = new Map<string, Promise<KeySet>>();

  get(key: string, fetch: () => Promise<KeySet>): Promise<KeySet> {
    let p = this.entries.get(key);
    if (!p) {
      p = fetch();
      this.entries.set(key, p);
      p.catch(() => { if (this.entries.get(key) === p) this.entries.delete(key); });
    }
    return p;
  }

  get size(): number { return this.entries.size; }
  clear(): void { this.entries.clear(); }
}
