import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as protocol from '../src/index.js';

test('the package index exports the whole 0.6 API under its exact names', () => {
  const functions = [
    'encodeSio06Frame',
    'encodeSio06Payload',
    'decodeSio06Payload',
    'encodeSio06Message',
    'decodeSio06Message',
    'sio06TextOf',
    'sio06HtmlfileChunk',
    'sio06JsonpPoll',
    'sio06MultipartPart',
    'decodeSio06Form',
    'sio06FlashPolicyXml',
  ];
  const api = protocol as unknown as Record<string, unknown>;
  for (const name of functions) assert.equal(typeof api[name], 'function', name);
  for (const name of ['SIO06_HTMLFILE_PRELUDE', 'SIO06_MULTIPART_BOUNDARY', 'SIO06_MULTIPART_CONTENT_TYPE', 'SIO06_MULTIPART_PRELUDE']) {
    assert.equal(typeof api[name], 'string', name);
  }
  assert.ok(new protocol.Sio06DecodeError('x') instanceof protocol.DecodeError);
  // the 0.6 codec has its own error class: not the protocol-1 one
  assert.ok(!(new protocol.Sio06DecodeError('x') instanceof protocol.LegacyDecodeError));
});
