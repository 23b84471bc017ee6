import type { HostKind } from './Host.js';

/** Which host to run: one of them, or uWS where it loads natively and node:http + ws elsewhere. */
export type HostChoice = HostKind | 'auto';

const CHOICES: readonly HostChoice[] = ['uws', 'node', 'auto'];

/**
 * The host to run when the code names none: `NONSTICK_HTTP_SERVER`
 * ('uws', 'node' or 'auto'), so one test run or deployment can pick a host
 * for every server it starts without touching their code; 'auto' without it.
 */
export function defaultHostChoice(env: NodeJS.ProcessEnv = process.env): HostChoice {
  const v = env['NONSTICK_HTTP_SERVER'];
  if (v === undefined || v === '') return 'auto';
  if (!CHOICES.includes(v as HostChoice)) throw new Error(`NONSTICK_HTTP_SERVER must be one of ${CHOICES.join(', ')} (got "${v}")`);
  return v as HostChoice;
}
