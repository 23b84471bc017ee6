/**
 * Watches every script call a client makes and checks that all its KEYS
 * share one hash tag, which is what Redis Cluster needs (one slot per
 * script). Works on the command objects ioredis sends, so it sees exactly
 * what would go over the wire: EVALSHA/EVAL sha-or-lua numkeys key... arg...
 */
import type { Command } from 'ioredis';
import { hashTag, type Client } from '../../src/index.js';

export class HashTagAudit {
  scriptCalls = 0;
  readonly violations: string[] = [];

  watch(client: Client): void {
    const c = client as unknown as { sendCommand(command: Command, ...rest: unknown[]): unknown };
    const send = c.sendCommand.bind(client);
    c.sendCommand = (command: Command, ...rest: unknown[]) => {
      if (command.name === 'evalsha' || command.name === 'eval') this.#check(command.args);
      return send(command, ...rest);
    };
  }

  #check(args: unknown[]): void {
    this.scriptCalls++;
    const n = Number(args[1]);
    const keys = args.slice(2, 2 + n).map(String);
    const tags = new Set(keys.map(hashTag));
    // A key without a tag hashes whole; that is fine alone, not next to others.
    if (tags.size !== 1 || (keys.length > 1 && keys.some((k) => hashTag(k) === k))) {
      this.violations.push(keys.join(' '));
    }
  }
}
