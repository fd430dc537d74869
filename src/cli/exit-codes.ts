import { SegcryptError, type ErrorCategory } from '../errors.js';

/** Process exit codes (BSD sysexits.h), from the error category. */
export const EXIT = {
  ok: 0,
  usage: 64, // EX_USAGE: bad arguments or options
  input: 65, // EX_DATAERR: the media is malformed, unsupported or already protected
  key: 69, // EX_UNAVAILABLE: key acquisition failed
  internal: 70, // EX_SOFTWARE: a bug
  io: 74, // EX_IOERR: reading or writing files failed
  sigint: 130, // interrupted (128 + SIGINT); the temp output is removed first
  sigterm: 143, // terminated (128 + SIGTERM)
} as const;

const BY_CATEGORY: Record<ErrorCategory, number> = {
  usage: EXIT.usage, input: EXIT.input, key: EXIT.key, io: EXIT.io, internal: EXIT.internal,
};

export function exitCodeFor(e: unknown): number {
  return e instanceof SegcryptError ? BY_CATEGORY[e.category] : EXIT.internal;
}

/** The one-line error the CLI prints on stderr: `segcrypt: <code>: <message>`. */
export function errorLine(e: unknown): string {
  if (e instanceof SegcryptError) return `segcrypt: ${e.code}: ${e.message.replace(/\s*\n\s*/g, ' ')}`;
  const err = e as Error;
  return `segcrypt: ERR_INTERNAL: ${String(err?.message ?? e).replace(/\s*\n\s*/g, ' ')}`;
}
