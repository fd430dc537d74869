/** A request the server refuses: HTTP status and the reason sent back as the body. */
export class RequestRejected extends Error {
  constructor(readonly status: number, readonly reason: string) { super(reason); }
}

/**
 * A well-formed request the server will not answer (SPEKE v2 constraints, the encryption
 * contract, DRM systems): 422, as MediaPackage's SPEKE v2 guide lists its error responses.
 * Documents that do not parse stay 400.
 */
export function refuse(reason: string): RequestRejected {
  return new RequestRejected(422, reason);
}
