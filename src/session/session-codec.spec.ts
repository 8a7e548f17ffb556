import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BufferJSON, initAuthCreds, proto } from '../whatsapp/transport/baileys-auth.js';
import { decodeValue, encodeValue } from './session-codec.js';

/** What Baileys' own stores write; the stores must write the same text so folders and rows move between them. */
const baileysEncoding = (value: unknown) => JSON.stringify(value, BufferJSON.replacer);

const bytes = randomBytes(64);
const values: Record<string, unknown> = {
  'a Signal session record (a Buffer)': randomBytes(1_536),
  'fresh creds': initAuthCreds(),
  'creds after pairing': {
    ...initAuthCreds(),
    me: { id: '5511987650000:12@s.whatsapp.net', lid: '123456789:12@lid', name: 'Pet Shop' },
    registered: true,
    processedHistoryMessages: [{ key: { remoteJid: '5511@s.whatsapp.net', id: 'ABC', fromMe: false }, messageTimestamp: 1_700_000_000 }],
  },
  'an app-state sync key (a protobuf message with its own toJSON)': proto.Message.AppStateSyncKeyData.fromObject({
    keyData: randomBytes(32),
    fingerprint: { rawId: 7, currentIndex: 2, deviceIndexes: [0, 1] },
    timestamp: 1_700_000_000_000,
  }),
  'a Uint8Array view into a larger buffer': new Uint8Array(bytes.buffer, bytes.byteOffset + 8, 16),
  'a plain object already shaped as a Buffer': { type: 'Buffer', data: [1, 2, 3] },
  'an odd Buffer-shaped object with string data': { type: 'Buffer', data: 'not base64' },
  'nested arrays, undefined and null members, a Date': {
    list: [bytes.subarray(0, 4), undefined, null, [bytes.subarray(4, 8)], 'text', 3],
    missing: undefined,
    none: null,
    when: new Date(1_700_000_000_000),
  },
  'an object without a prototype': Object.assign(Object.create(null) as object, { key: bytes.subarray(0, 8), n: 1 }),
  "a toJSON whose result has a toJSON of its own (JSON.stringify calls only the first)": {
    toJSON: () => ({ toJSON: () => 'second', bytes: bytes.subarray(0, 4), child: { toJSON: () => 'a child is called' } }),
  },
  'an own __proto__ key (as JSON.parse makes it)': JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown,
  'boxed primitives': { text: new String('boxed'), count: new Number(7), flag: new Boolean(false) },
  'a lid mapping (a string)': '123456789',
  'a device list (an array of strings)': ['0', '12', '27'],
  null: null,
};

describe('session value encoding', () => {
  for (const [name, value] of Object.entries(values)) {
    it(`writes ${name} exactly as Baileys' BufferJSON does`, () => {
      expect(encodeValue(value)).toBe(baileysEncoding(value));
    });
  }

  it('reads back every Buffer as a Buffer with the same bytes', () => {
    const creds = initAuthCreds();
    const decoded = decodeValue('creds', encodeValue(creds)) as typeof creds;
    expect(Buffer.isBuffer(decoded.noiseKey.private)).toBe(true);
    expect(Buffer.compare(decoded.noiseKey.private, creds.noiseKey.private)).toBe(0);
    expect(Buffer.compare(decoded.signedPreKey.signature, creds.signedPreKey.signature)).toBe(0);
  });
});
