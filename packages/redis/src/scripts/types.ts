/** One Lua script, defined on the client with `defineCommand` under `name`. */
export interface ScriptDef {
  /** Method name on the ioredis client (prefixed so it never shadows a Redis command). */
  readonly name: string;
  /** How many leading arguments are KEYS; all of them share one hash tag. */
  readonly keys: number;
  /** Whether the script needs the prelude (every session script does). */
  readonly prelude: boolean;
  readonly lua: string;
}
