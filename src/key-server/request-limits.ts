/**
 * How much one SPEKE request may ask of the reference server. A request's work grows with its
 * ContentKeys times the DRM systems each one gets, so both are capped; a 1 MiB body could
 * otherwise name ~80,000 keys. Real encoders ask for a few keys per key period: these bounds are
 * far above that and far below what would stall the server.
 */
export const REQUEST_LIMITS = {
  contentKeys: 256,
  /** DRMSystem elements, counting the defaults a key without one gets. */
  drmSystems: 1024,
  usageRules: 256,
  periods: 256,
} as const;

export interface LimitExceeded {
  element: string;
  count: number;
  limit: number;
}

const ELEMENTS = [
  ['ContentKey', REQUEST_LIMITS.contentKeys],
  ['DRMSystem', REQUEST_LIMITS.drmSystems],
  ['ContentKeyUsageRule', REQUEST_LIMITS.usageRules],
  ['ContentKeyPeriod', REQUEST_LIMITS.periods],
] as const;

/**
 * A count of each capped element's start tags in the raw body, before any parsing, so an
 * oversized request is refused in one linear scan. `<cpix:ContentKey ` and `<ContentKey>` count;
 * `<cpix:ContentKeyList>` does not (the name must end at a space, `/` or `>`).
 */
export function firstLimitExceeded(body: Buffer): LimitExceeded | undefined {
  const text = body.toString('latin1');
  for (const [element, limit] of ELEMENTS) {
    const re = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${element}[\\s/>]`, 'g');
    let count = 0;
    while (re.exec(text) !== null) if (++count > limit) return { element, count: countAll(text, re), limit };
  }
  return undefined;
}

function countAll(text: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

export function limitMessage(e: LimitExceeded): string {
  return `Request has ${e.count} ${e.element} elements; this server's limit is ${e.limit}`;
}
