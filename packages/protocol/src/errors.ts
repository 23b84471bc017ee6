/**
 * The single error class every decoder in this package throws for malformed
 * input. Callers catch this one type to tell "the peer sent garbage" apart from
 * bugs, so decoders must never let a TypeError/RangeError escape.
 *
 * `reason` is a stable, machine-readable code (e.g. `unknown-type`,
 * `invalid-base64`); `message` is for humans and may change.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly reason: string;

  constructor(reason: string, message?: string) {
    super(message ?? reason);
    this.reason = reason;
  }
}
