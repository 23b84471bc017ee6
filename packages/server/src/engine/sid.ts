import { randomBytes } from 'node:crypto';

// Filled in bulk: one crypto call per 512 ids keeps handshakes cheap.
const BATCH = 512;
const ID_BYTES = 15; // 120 bits, 20 base64url characters
let pool = Buffer.alloc(0);
let offset = 0;

/** A random, unguessable, cluster-unique session id (120 bits). */
export function generateId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * BATCH);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/** Worker ids: short, readable in logs, unique enough across a cluster's lifetime. */
export function generateWorkerId(): string {
  return `w-${randomBytes(6).toString('hex')}`;
}

const SID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Whether a client-supplied session id could be one of ours. Anything else
 * is unknown without asking the store (and never becomes a Redis key).
 */
export function isValidSid(sid: string): boolean {
  return SID.test(sid);
}
