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
 * oversized request is refused in one linear pass per element (Buffer.indexOf, no string copy).
 * `<cpix:ContentKey ` and `<ContentKey>` count; `<cpix:ContentKeyList>` does not (the name must
 * follow `<` or a prefix's `:` and end at whitespace, `/` or `>`).
 */
export function firstLimitExceeded(body: Buffer): LimitExceeded | undefined {
  for (const [element, limit] of ELEMENTS) {
    const count = countStartTags(body, element);
    if (count > limit) return { element, count, limit };
  }
  return undefined;
}

const LT = 0x3c;
const COLON = 0x3a;

function countStartTags(body: Buffer, element: string): number {
  const needle = Buffer.from(element, 'latin1');
  let count = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) {
    const before = at > 0 ? body[at - 1]! : 0;
    const after = body[at + needle.length];
    if (after === undefined || !(after === 0x20 || after === 0x09 || after === 0x0a || after === 0x0d || after === 0x2f || after === 0x3e)) continue;
    if (before === LT || (before === COLON && prefixedStart(body, at - 1))) count++;
  }
  return count;
}

/** True when the ':' at `colon` ends a name prefix that starts right after a '<'. */
function prefixedStart(body: Buffer, colon: number): boolean {
  for (let i = colon - 1; i >= 0 && colon - i <= 64; i--) {
    const c = body[i]!;
    if (c === LT) return i < colon - 1;
    const nameChar = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!nameChar) return false;
  }
  return false;
}

export function limitMessage(e: LimitExceeded): string {
  return `Request has ${e.count} ${e.element} elements; this server's limit is ${e.limit}`;
}
