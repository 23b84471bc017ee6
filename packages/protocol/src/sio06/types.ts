/**
 * One decoded 0.6 message. 0.6 has no packet types: the first characters of a
 * framed message say what it is. `~h~` + digits is a heartbeat (the counter is
 * kept as text, because 0.6 compares and echoes it as text), `~j~` + JSON a
 * JSON value, anything else a text message. The session id, the first message
 * of a session, is a text message too.
 */
export type Sio06Message = { kind: 'text'; data: string } | { kind: 'json'; data: unknown } | { kind: 'heartbeat'; n: string };
