/**
 * Typed errors. Every error segcrypt throws on purpose is a SegcryptError with a stable `code`
 * and a message naming the place (box path and byte offset, packet index, XML element, option).
 * Messages never carry key bytes.
 *
 * `category` drives the CLI exit code (see src/cli/exit-codes.ts) and lets callers branch
 * without parsing codes.
 */
export type ErrorCategory = 'usage' | 'input' | 'key' | 'io' | 'internal';

export class SegcryptError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  /** Where the problem is: a box path + offset, packet index, XML element, option name... */
  readonly where?: string;
  /** A queued package that failed with files done: the staging folder the same command resumes from. */
  resumeFrom?: string;

  constructor(code: string, message: string, options: { category?: ErrorCategory; where?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = options.category ?? 'internal';
    this.where = options.where;
  }

  /** Plain object that survives structured clone (worker -> main thread). */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, category: this.category, where: this.where };
  }
}

/** Bad options or arguments from the caller. */
export class UsageError extends SegcryptError {
  constructor(code: string, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, category: 'usage' });
  }
}

/** The media handed to us is malformed, unsupported or already protected. */
export class MediaError extends SegcryptError {
  constructor(code: string, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, category: 'input' });
  }
}

/** Key acquisition failed: key server, CPIX document, auth, key material shape. */
export class KeyError extends SegcryptError {
  readonly status?: number;
  constructor(code: string, message: string, options: { where?: string; cause?: unknown; status?: number } = {}) {
    super(code, message, { ...options, category: 'key' });
    this.status = options.status;
  }
}

/** Reading or writing files failed. */
export class IoError extends SegcryptError {
  constructor(code: string, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, category: 'io' });
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  category: ErrorCategory;
  where?: string;
}

const classes: Record<string, new (code: string, message: string, o: { where?: string }) => SegcryptError> = {
  UsageError, MediaError, KeyError, IoError,
};

/** Rebuild a typed error from its serialized form (errors cross worker boundaries without class or code). */
export function reviveError(e: unknown): Error {
  if (e && typeof e === 'object' && typeof (e as SerializedError).code === 'string' && typeof (e as SerializedError).message === 'string') {
    const s = e as SerializedError;
    const C = classes[s.name];
    if (C) return new C(s.code, s.message, { where: s.where });
    return new SegcryptError(s.code, s.message, { category: s.category, where: s.where });
  }
  return e instanceof Error ? e : new Error(String(e));
}
