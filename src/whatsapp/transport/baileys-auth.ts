/**
 * The pieces of Baileys the session stores need: its JSON encoding for Buffers,
 * fresh credentials, the protobuf type of app-state keys, and its own file store
 * (for imports and the benchmark's baseline).
 * Re-exported here so nothing outside src/whatsapp/transport imports Baileys.
 */
export {
  BufferJSON,
  initAuthCreds,
  proto,
  useMultiFileAuthState,
} from '@whiskeysockets/baileys';
export type {
  AuthenticationCreds,
  AuthenticationState,
  SignalDataSet,
  SignalDataTypeMap,
  SignalKeyStore,
} from '@whiskeysockets/baileys';
