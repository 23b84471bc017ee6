import type { Generation } from '../store/Store.js';
import type { SessionDialect } from './dialect.js';
import { dialect } from './eio.js';
import { SIO1_DIALECT } from './legacy/dialect.js';

/** The dialect of a stored session, whichever generation it is. */
export function dialectOf(generation: Generation): SessionDialect {
  switch (generation) {
    case 'eio4':
      return dialect(4);
    case 'eio3':
      return dialect(3);
    case 'sio1':
      return SIO1_DIALECT;
    default:
      throw new Error(`no dialect for sessions of generation ${generation}`);
  }
}
