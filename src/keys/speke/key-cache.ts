import type { KeySet } from '../content-key.js';

/**
 * One fetch per key: concurrent callers share the in-flight promise; failures are not cached.
 * Bounded: past `maxEntries` the oldest entry goes (a live process rotating keys for days must
 * not keep every period it ever fetched).
 */
export class KeySetCache {
  private readonly entries = new Map<string, Promise<KeySet>>();

  constructor(private readonly maxEntries = 1000) {}

  get(key: string, fetch: () => Promise<KeySet>): Promise<KeySet> {
    let p = this.entries.get(key);
    if (!p) {
      p = fetch();
      this.entries.set(key, p);
      p.catch(() => { if (this.entries.get(key) === p) this.entries.delete(key); });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return p;
  }

  get size(): number { return this.entries.size; }
  clear(): void { this.entries.clear(); }
}
