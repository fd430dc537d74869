/**
 * Which (content id, KID) pairs this server has issued keys for: the ClearKey license endpoint
 * answers for these only. Keys themselves are not stored (they derive from the secret); this is
 * the list of names. In memory, bounded: past `limit` pairs the oldest are forgotten (a client
 * that asks for ever more KIDs cannot grow the server without end).
 */
export const ISSUED_KEYS_LIMIT = 100_000;

export interface IssuedKey {
  contentId: string;
  kid: Buffer;
}

export class IssuedKeys {
  /** `<content id>\0<kid hex>`, in insertion order (a Set keeps it), for eviction. */
  private readonly pairs = new Set<string>();

  constructor(private readonly limit = ISSUED_KEYS_LIMIT) {}

  add(contentId: string, kid: Buffer): void {
    const k = pairKey(contentId, kid);
    this.pairs.delete(k);
    this.pairs.add(k);
    if (this.pairs.size > this.limit) this.pairs.delete(this.pairs.values().next().value!);
  }

  has(contentId: string, kid: Buffer): boolean {
    return this.pairs.has(pairKey(contentId, kid));
  }

  list(): IssuedKey[] {
    return [...this.pairs].map((p) => {
      const at = p.lastIndexOf('\0');
      return { contentId: p.slice(0, at), kid: Buffer.from(p.slice(at + 1), 'hex') };
    });
  }
}

const pairKey = (contentId: string, kid: Buffer): string => `${contentId}\0${kid.toString('hex')}`;
