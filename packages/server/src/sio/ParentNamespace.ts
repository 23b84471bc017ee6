import type { BusEntry } from '../bus/Bus.js';
import { ClusterAdapter } from './ClusterAdapter.js';
import { Namespace, type ExtendedError } from './Namespace.js';
import type { Server } from './Server.js';
import type { Socket } from './Socket.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';
import { decodeBroadcast } from './wire.js';

/** Decides whether a dynamic namespace exists: a RegExp, or a function socket.io-style. */
export type NamespaceMatcher = RegExp | ((name: string, auth: Record<string, unknown>, next: (err: ExtendedError | null, success: boolean) => void) => void);

type AnySocket = Socket<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `io.of(/regex/)` or `io.of(fn)`: a template for namespaces created when a
 * client asks for a matching name. Middlewares and connection listeners of
 * the parent apply to every child; emitting on the parent reaches the
 * children's sockets on every worker. Parents are named `/_<n>` in creation
 * order, so every worker running the same app names them alike.
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any, // eslint-disable-line @typescript-eslint/no-explicit-any
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  readonly matcher: NamespaceMatcher;
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string, matcher: NamespaceMatcher) {
    super(server, name);
    this.matcher = matcher;
  }

  protected override createAdapter(): ClusterAdapter {
    return new ParentAdapter(this);
  }

  /** Whether `name` belongs to this parent. */
  matches(name: string, auth: Record<string, unknown>): Promise<boolean> {
    const m = this.matcher;
    if (m instanceof RegExp) return Promise.resolve(m.test(name));
    return new Promise((resolve) => {
      try {
        m(name, auth, (err, ok) => resolve(!err && ok));
      } catch {
        resolve(false);
      }
    });
  }

  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const nsp = new Namespace(this.server, name);
    nsp._fns = this._fns.slice();
    for (const ev of ['connect', 'connection'] as const) {
      for (const l of this.listeners(ev)) nsp.on(ev, l as (...a: unknown[]) => void);
    }
    this.children.add(nsp);
    return nsp;
  }
}

/** Selects among every child's sockets; frames are rebuilt with each child's name. */
class ParentAdapter extends ClusterAdapter {
  override select(rooms: Iterable<string>, except: Iterable<string>): AnySocket[] {
    const parent = this.nsp as ParentNamespace;
    const r = [...rooms];
    const x = [...except];
    return [...parent.children].flatMap((c) => c.adapter.select(r, x));
  }

  override onBroadcast(bus: BusEntry): void {
    const entry = decodeBroadcast(bus);
    if (!entry || entry.reply) return;
    const parent = this.nsp as ParentNamespace;
    const suffix = `${parent.name},`;
    if (!entry.head.endsWith(suffix)) return;
    const prefix = entry.head.slice(0, -suffix.length);
    for (const child of parent.children) {
      const targets = child.adapter.select(entry.rooms, entry.except);
      if (targets.length === 0) continue;
      const childEntry = { ...entry, head: child.name === '/' ? prefix : `${prefix}${child.name},` };
      let plain: Array<string | Uint8Array> | null = null;
      let withOffset: Array<string | Uint8Array> | null = null;
      for (const s of targets) {
        const frames = s.pid ? (withOffset ??= child.adapter.framesOf(childEntry, bus.id)) : (plain ??= child.adapter.framesOf(childEntry, null));
        s.writeFrames(frames, null, bus.id);
      }
    }
  }
}
