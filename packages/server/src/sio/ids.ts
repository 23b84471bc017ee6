import { randomBytes } from 'node:crypto';

/** 120 random bits, URL-safe: socket ids and private session ids are unguessable. */
export function newId(): string {
  return randomBytes(15).toString('base64url');
}
