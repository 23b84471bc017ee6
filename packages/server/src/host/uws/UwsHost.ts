// PLACEHOLDER for the nodehost branch only, so select.ts compiles: the real
// UwsHost comes from the `host` branch, whose file replaces this one on merge.
import { loadUws } from '../../uws.js';

export interface UwsHostOptions {
  allowFallback?: boolean;
}

export class UwsHost {
  readonly kind = 'uws' as const;

  constructor(options: UwsHostOptions = {}) {
    loadUws(options.allowFallback);
    throw new Error('UwsHost is not on this branch (merge the host branch)');
  }
}
