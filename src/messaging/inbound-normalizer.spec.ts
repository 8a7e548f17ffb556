import { describe, expect, it } from 'vitest';
import { normalizeInbound, type NormalizeResult } from './inbound-normalizer.js';

const customer = '5511912345678@s.whatsapp.net';
const options = { ignoreGroups: true };

function normalized(result: NormalizeResult) {
  if (result.kind !== 'message') throw new Error(`expected a message, got skip ${result.reason}`);
  return result.message;
}

describe('normalizeInbound', () => {
  it('reads a plain text with sender, push name and timestamp', () => {
    const message = normalized(
      normalizeInbound(
        { key: { remoteJid: customer, id: 'ABC123', fromMe: false }, message: { conversation: 'Oi' }, pushName: ' Ana ', messageTimestamp: 1_764_000_000 },
        options,
      ),
    );
    expect(message).toMatchObject({ waMessageId: 'ABC123', phone: '+5511912345678', type: 'text', text: 'Oi', pushName: 'Ana', group: false });
    expect(message.sentAt?.toISOString()).toBe('2025-11-24T16:00:00.000Z');
  });

  it('drops NUL characters from the text and the push name (PostgreSQL cannot store them; the message must not be lost)', () => {
    const message = normalized(
      normalizeInbound({ key: { remoteJid: customer, id: 'NUL1' }, message: { conversation: 'o\u0000i' }, pushName: 'A\u0000na' }, options),
    );
    expect(message).toMatchObject({ text: 'oi', pushName: 'Ana' });
    const empty = normalized(normalizeInbound({ key: { remoteJid: customer, id: 'NUL2' }, message: { conversation: '\u0000' }, pushName: '\u0000' }, options));
    expect(empty).toMatchObject({ text: null, pushName: null });
  });

  it('skips our own sends, status updates, broadcasts, reactions and protocol messages', () => {
    const reasons = [
      { key: { remoteJid: customer, id: 'A1', fromMe: true }, message: { conversation: 'x' } },
      { key: { remoteJid: 'status@broadcast', id: 'A2' }, message: { conversation: 'x' } },
      { key: { remoteJid: '123@newsletter', id: 'A3' }, message: { conversation: 'x' } },
      { key: { remoteJid: customer, id: 'A4' }, message: { reactionMessage: { text: '👍' } } },
      { key: { remoteJid: customer, id: 'A5' }, message: { protocolMessage: { type: 0 } } },
      { key: { remoteJid: customer }, message: { conversation: 'x' } },
    ].map((raw) => {
      const result = normalizeInbound(raw, options);
      return result.kind === 'skip' ? result.reason : 'message';
    });
    expect(reasons).toEqual(['own-message', 'status-broadcast', 'broadcast-or-newsletter', 'reaction', 'protocol', 'no-id']);
  });

  it('reads a message as Baileys decodes it, where every field the sender did not set is a null on the prototype', () => {
    // What protobufjs generates for WhatsApp's Message (Baileys' proto.Message.decode), reduced to four fields.
    const decoded = (fields: Record<string, unknown>) =>
      Object.assign(Object.create({ conversation: null, protocolMessage: null, reactionMessage: null, senderKeyDistributionMessage: null }), fields);
    const read = (message: Record<string, unknown>) => normalizeInbound({ key: { remoteJid: customer, id: 'P1' }, message }, options);

    expect(normalized(read(decoded({ conversation: 'Oi' })))).toMatchObject({ type: 'text', text: 'Oi' });
    expect(read(decoded({ protocolMessage: { type: 0 } }))).toEqual({ kind: 'skip', reason: 'protocol' });
    expect(read(decoded({ reactionMessage: { text: '👍' } }))).toEqual({ kind: 'skip', reason: 'reaction' });
    expect(read(decoded({ senderKeyDistributionMessage: { groupId: 'g' } }))).toEqual({ kind: 'skip', reason: 'protocol' });
  });

  it('skips the stubs with no content WhatsApp delivers among offline messages: a missed call, a group change', () => {
    const missedCall = { key: { remoteJid: customer, id: 'S1', fromMe: false }, message: null, messageStubType: 40 };
    const groupIcon = { key: { remoteJid: '1203630@g.us', participant: customer, id: 'S2' }, messageStubType: 6 };
    expect(normalizeInbound(missedCall, options)).toEqual({ kind: 'skip', reason: 'protocol' });
    expect(normalizeInbound(groupIcon, { ignoreGroups: false })).toEqual({ kind: 'skip', reason: 'protocol' });
  });

  it('drops groups when configured to, and otherwise reads the participant as the sender', () => {
    const raw = { key: { remoteJid: '1203630@g.us', participant: customer, id: 'G1' }, message: { conversation: 'oi grupo' } };
    expect(normalizeInbound(raw, { ignoreGroups: true })).toEqual({ kind: 'skip', reason: 'group' });
    expect(normalized(normalizeInbound(raw, { ignoreGroups: false }))).toMatchObject({ phone: '+5511912345678', group: true });
  });

  it("gives a Brazilian mobile writing from an account older than the ninth digit its nine-digit number, keeping the chat's JID", () => {
    const raw = { key: { remoteJid: '551187650099@s.whatsapp.net', id: 'N1' }, message: { conversation: 'oi' } };
    expect(normalized(normalizeInbound(raw, options))).toMatchObject({ phone: '+5511987650099', chatJid: '551187650099@s.whatsapp.net' });
    const landline = { key: { remoteJid: '551134567890@s.whatsapp.net', id: 'N2' }, message: { conversation: 'oi' } };
    expect(normalized(normalizeInbound(landline, options))).toMatchObject({ phone: '+551134567890' });
  });

  it('resolves a LID chat to the phone through remoteJidAlt, and skips a LID it cannot resolve', () => {
    const raw = { key: { remoteJid: '98765@lid', remoteJidAlt: customer, id: 'L1' }, message: { conversation: 'oi' } };
    expect(normalized(normalizeInbound(raw, options))).toMatchObject({ phone: '+5511912345678', lid: '98765@lid' });
    const unresolved = { key: { remoteJid: '98765@lid', id: 'L2' }, message: { conversation: 'oi' } };
    expect(normalizeInbound(unresolved, options)).toEqual({ kind: 'skip', reason: 'unresolved-sender' });
  });

  it('unwraps disappearing and view-once envelopes and reads captions, media and locations', () => {
    const cases = [
      { extendedTextMessage: { text: 'link https://x' } },
      { ephemeralMessage: { message: { imageMessage: { caption: 'o Rex', mimetype: 'image/png' } } } },
      { viewOnceMessageV2: { message: { audioMessage: { ptt: true } } } },
      { documentWithCaptionMessage: { message: { documentMessage: { caption: 'vacina', fileName: 'v.pdf', mimetype: 'application/pdf' } } } },
      { locationMessage: { degreesLatitude: -23.5, degreesLongitude: -46.6, name: 'Casa' } },
      { stickerMessage: {} },
    ].map((content, index) => normalized(normalizeInbound({ key: { remoteJid: customer, id: `M${index}` }, message: content }, options)));
    expect(cases.map(({ type, text, media }) => ({ type, text, media }))).toEqual([
      { type: 'text', text: 'link https://x', media: null },
      { type: 'image', text: 'o Rex', media: { mimetype: 'image/png', fileName: null, declaredBytes: null } },
      { type: 'audio', text: null, media: { mimetype: 'audio/ogg; codecs=opus', fileName: null, declaredBytes: null } },
      { type: 'document', text: 'vacina', media: { mimetype: 'application/pdf', fileName: 'v.pdf', declaredBytes: null } },
      { type: 'location', text: 'Casa (-23.5,-46.6)', media: null },
      { type: 'sticker', text: null, media: { mimetype: 'image/webp', fileName: null, declaredBytes: null } },
    ]);
  });

  it('reads the size a media message declares, as a number, a Long or the string the spool turns it into', () => {
    const sizeOf = (fileLength: unknown) =>
      normalized(normalizeInbound({ key: { remoteJid: customer, id: 'F1' }, message: { documentMessage: { fileLength, mimetype: 'application/pdf' } } }, options))
        .media?.declaredBytes;
    expect(sizeOf(2048)).toBe(2048);
    // A 5 GiB document, as protobufjs decodes a uint64 (low and high 32 bits).
    expect(sizeOf({ low: 1_073_741_824, high: 1, unsigned: true })).toBe(5_368_709_120);
    expect(sizeOf('5368709120')).toBe(5_368_709_120);
    expect(sizeOf(undefined)).toBeNull();
    expect(sizeOf('muito')).toBeNull();
  });

  it('reads videos (with their media to fetch), video notes, contact cards, and skips the header WhatsApp sends before an album', () => {
    const read = (content: Record<string, unknown>) => normalizeInbound({ key: { remoteJid: customer, id: 'V1' }, message: content }, options);
    const vcard = (name: string, phone: string) =>
      `BEGIN:VCARD\nVERSION:3.0\nN:;${name};;;\nFN:${name}\nTEL;type=CELL;type=VOICE;waid=${phone.replace(/\D/g, '')}:${phone}\nEND:VCARD`;

    expect(normalized(read({ videoMessage: { caption: 'ele mancando', mimetype: 'video/mp4', fileLength: 4096 } }))).toMatchObject({
      type: 'video',
      text: 'ele mancando',
      media: { mimetype: 'video/mp4', fileName: null, declaredBytes: 4096 },
    });
    expect(normalized(read({ ephemeralMessage: { message: { ptvMessage: { mimetype: 'video/mp4' } } } }))).toMatchObject({ type: 'video', text: null, media: { mimetype: 'video/mp4' } });
    expect(normalized(read({ contactMessage: { displayName: 'Dra. Paula', vcard: vcard('Dra. Paula', '+55 11 98888-7777') } }))).toMatchObject({
      type: 'contact',
      text: 'Dra. Paula: +55 11 98888-7777',
      media: null,
    });
    const both = { contactsArrayMessage: { contacts: [{ displayName: 'Ana', vcard: vcard('Ana', '+55 11 91111-2222') }, { displayName: 'Bia', vcard: vcard('Bia', '+55 11 93333-4444') }] } };
    expect(normalized(read(both))).toMatchObject({ type: 'contact', text: 'Ana: +55 11 91111-2222; Bia: +55 11 93333-4444' });
    expect(read({ albumMessage: { expectedImageCount: 3 } })).toEqual({ kind: 'skip', reason: 'album' });
  });

  it('reads an edit as the new text, marked as an edit, as Baileys 7 delivers it from a phone and from another Baileys', () => {
    const edit = (message: Record<string, unknown>) => normalizeInbound({ key: { remoteJid: customer, id: 'E1' }, message }, options);
    const protocol = (type: unknown) => ({ protocolMessage: { type, key: { remoteJid: customer, id: 'ORIGINAL1' }, editedMessage: { conversation: 'domingo às 10h' } } });
    // A phone wraps it in editedMessage; Baileys' own sendMessage({ edit }) sends the protocol message bare; the spool spells the enum out.
    for (const message of [{ editedMessage: { message: protocol(14) } }, protocol(14), protocol('MESSAGE_EDIT')]) {
      expect(normalized(edit(message))).toMatchObject({ waMessageId: 'E1', type: 'text', text: '[mensagem editada] domingo às 10h' });
    }
    // A revoke is still nothing to answer.
    expect(edit({ protocolMessage: { type: 0, key: { id: 'ORIGINAL1' } } })).toEqual({ kind: 'skip', reason: 'protocol' });
  });
});
