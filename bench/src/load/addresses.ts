/**
 * Source addresses for client connections. One local address has about
 * 28k ephemeral ports toward one server address (net.ipv4.ip_local_port_range),
 * so clients bind to 127.0.x.1 in turn (all of 127.0.0.0/8 is loopback on
 * Linux). Varying the *third* octet also spreads clients over nginx's
 * `ip_hash`, which hashes only the first three octets of an IPv4 address.
 */
import { Agent } from 'node:http';

export class SourceAddresses {
  readonly list: string[];
  readonly #agents = new Map<string, Agent>();
  #next = 0;

  constructor(count: number) {
    const n = Math.max(1, Math.min(250, Math.floor(count)));
    this.list = Array.from({ length: n }, (_, i) => `127.0.${i}.1`);
  }

  /** The next address, round robin. */
  next(): string {
    const a = this.list[this.#next % this.list.length]!;
    this.#next++;
    return a;
  }

  /** A keep-alive HTTP agent bound to `address` (one per address, shared by its clients). */
  agent(address: string): Agent {
    let a = this.#agents.get(address);
    if (!a) {
      a = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, localAddress: address, scheduling: 'lifo' });
      this.#agents.set(address, a);
    }
    return a;
  }

  destroy(): void {
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
  }
}

/** Addresses needed for `connections` sockets toward one server (with headroom). */
export function addressesFor(connections: number, minimum = 8): number {
  return Math.max(minimum, Math.ceil(connections / 20_000));
}
