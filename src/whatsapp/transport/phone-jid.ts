/** How both adapters turn phone numbers into WhatsApp user JIDs and back. */

const USER_SERVER = 's.whatsapp.net';

/** Digits only (`+55 11 98765-4321` -> `5511987654321`); throws when nothing like a phone number is left. */
export function phoneDigits(phoneNumber: string): string {
  const digits = phoneNumber.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) {
    throw new Error(`"${phoneNumber}" is not a phone number with country code (8 to 15 digits)`);
  }
  return digits;
}

/** `5511987654321` -> `5511987654321@s.whatsapp.net`. */
export function userJid(phoneNumber: string): string {
  return `${phoneDigits(phoneNumber)}@${USER_SERVER}`;
}

/**
 * The phone of a user JID, device suffix dropped: `5511987654321:12@s.whatsapp.net`
 * -> `5511987654321`. A LID (`...@lid`) is an opaque id, not a phone: null.
 */
export function phoneFromJid(jid: string | null | undefined): string | null {
  const [user, server] = (jid ?? '').split('@');
  const phone = user?.split(':')[0] ?? '';
  return server === USER_SERVER && /^\d+$/.test(phone) ? phone : null;
}
