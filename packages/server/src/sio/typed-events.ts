/**
 * Event maps as socket.io types them, so an application typed against
 * `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>` ports
 * without changing its types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventsMap = Record<string, any>;

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [event: string]: (...args: any[]) => void;
}

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Last<T extends any[]> = T extends [...infer _H, infer L] ? L : any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AllButLast<T extends any[]> = T extends [...infer H, infer _L] ? H : any[];

/** The arguments of an ack callback's first argument for `emitWithAck`. */
export type FirstArg<T> = T extends (arg: infer A, ...rest: never[]) => unknown ? A : unknown;

/** An ack callback given to an emit with a timeout gets an error first. */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: PrependTimeoutError<P>) => R : E[K];
};

type PrependTimeoutError<T extends unknown[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result ? (err: Error, ...args: Params) => Result : T[K];
};

/** Broadcast acks collect one answer per socket. */
export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: ExpectMultipleResponses<P>) => R : E[K];
};

type ExpectMultipleResponses<T extends unknown[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params extends [Error]
      ? (err: Error) => Result
      : Params extends [Error, ...infer Rest]
        ? (err: Error, responses: Rest) => Result
        : Params extends []
          ? () => Result
          : (err: Error, responses: Params) => Result
    : T[K];
};

/** Server-side emits may carry an ack callback that collects every other worker's answer. */
export type DecorateServerSideAcks<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R
    ? P extends [...infer H, (...a: infer A) => unknown]
      ? (...args: [...H, (err: Error | null, responses: A[0][]) => void]) => R
      : E[K]
    : E[K];
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Listener = (...args: any[]) => void;
