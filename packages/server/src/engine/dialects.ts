import type { Generation } from '../store/Store.js';
import type { SessionDialect } from './dialect.js';
import { dialect } from './eio.js';
import { SIO1_DIALECT } from './legacy/dialect.js';
import { SIO06_DIALECT } from './legacy/dialect06.js';

/** The dialect of a stored session, whichever generation it is. */
export function dialectOf(generation: Generation): SessionDialect {
  switch (generation) {
    case 'eio4':
      return dialect(4);
    case 'eio3':
      return dialect(3);
    case 'sio1':
      return SIO1_DIALECT;
    case 'sio06':
      return SIO06_DIALECT;
  }
}
