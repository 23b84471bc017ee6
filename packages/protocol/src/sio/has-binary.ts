// Which values travel as binary attachments. Mirrors socket.io-parser's
// isBinary/hasBinary so a payload splits into the same frames as with the
// reference server, with two deliberate omissions: Blob and File (reading
// them is asynchronous, so they cannot be sent from a synchronous encoder;
// they serialise as JSON like any other object) and SharedArrayBuffer (which
// the reference does not treat as binary either).

/** A Buffer, any typed array or DataView, or an ArrayBuffer. */
export function isBinary(value: unknown): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * True if `value` holds a binary anywhere in its arrays and own enumerable
 * properties. Like the reference (and like JSON.stringify), an object's
 * toJSON() result is searched instead of the object itself; toJSON is not
 * called again on the object that toJSON returned, only on its children.
 */
export function hasBinary(value: unknown): boolean {
  // Most event arguments are primitives: answer those without a call.
  if (typeof value !== 'object' || value === null) return false;
  return objectHasBinary(value, false);
}

function objectHasBinary(value: object, fromToJSON: boolean): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null && objectHasBinary(v, false)) return true;
    }
    return false;
  }
  if (isBinary(value)) return true;
  if (!fromToJSON) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value);
      return typeof json === 'object' && json !== null && objectHasBinary(json, true);
    }
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v: unknown = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null && objectHasBinary(v, false)) return true;
  }
  return false;
}
