/**
 * The single error family every decoder in this package throws for malformed
 * input. Callers catch this one type to tell "the peer sent garbage" apart from
 * bugs, so decoders must never let a TypeError/RangeError escape.
 *
 * `reason` is a stable, machine-readable code (e.g. `unknown-type`,
 * `invalid-base64`); `message` is for humans and may change.
 */
export class DecodeError extends Error {
  override readonly name: string = 'DecodeError';
  readonly reason: string;

  constructor(reason: string, message?: string) {
    super(message ?? reason);
    this.reason = reason;
  }
}

/**
 * A DecodeError from the Socket.IO packet decoder. It is a subclass rather
 * than a sibling so `instanceof DecodeError` stays the one check callers need;
 * `revision` tells which protocol's rules rejected the input.
 */
export class SioDecodeError extends DecodeError {
  override readonly name: string = 'SioDecodeError';
  readonly revision: 4 | 5;

  constructor(revision: 4 | 5, reason: string, message?: string) {
    super(reason, message);
    this.revision = revision;
  }
}
