import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

const BRAZIL = '55';

/**
 * The one place phone numbers become E.164 (`+5511987654321`). Numbers written
 * without a country code are taken as Brazilian (DDD + number, 10 or 11 digits).
 * A Brazilian mobile is given its ninth digit (`+551187654321` -> `+5511987654321`):
 * WhatsApp accounts older than the digit write from the eight-digit number while
 * people know the nine-digit one, and a number must have one spelling for the
 * sender, an owner number, a contact and a send to be the same person. A send
 * reaches the account whichever spelling it has (see brazilianMobileVariants).
 * Returns null when the input cannot be a phone number.
 */
export function normalizePhoneNumber(input: string): string | null {
  const trimmed = input.trim();
  const digits = trimmed.replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(digits)) return null;
  let national = digits.replace(/^\+/, '');
  if (!digits.startsWith('+')) {
    national = national.replace(/^00/, '');
    if (national.length === 10 || national.length === 11) national = BRAZIL + national;
  }
  if (national.length < 8 || national.length > 15 || national.startsWith('0')) return null;
  return `+${withNinthDigit(national)}`;
}

/**
 * Brazilian mobiles gained a ninth digit in 2012-2016, and WhatsApp accounts
 * created before keep the eight-digit number. Both spellings of a mobile (digits
 * with the country code), the given one first; other numbers have one spelling.
 */
export function brazilianMobileVariants(digits: string): string[] {
  const withNine = /^55(\d{2})9([6-9]\d{7})$/.exec(digits);
  if (withNine !== null) return [digits, `55${withNine[1]}${withNine[2]}`];
  const withoutNine = /^55(\d{2})([6-9]\d{7})$/.exec(digits);
  if (withoutNine !== null) return [digits, `55${withoutNine[1]}9${withoutNine[2]}`];
  return [digits];
}

/** The spelling numbers are kept in: a Brazilian mobile's with the ninth digit, the longer one. */
function withNinthDigit(digits: string): string {
  return brazilianMobileVariants(digits).reduce((kept, variant) => (variant.length > kept.length ? variant : kept));
}

/** DTO field decorator: validates a phone number and hands the handler its E.164 form. */
export function IsPhoneNumber(options?: ValidationOptions): PropertyDecorator {
  const normalizeOne = (value: unknown) => (typeof value === 'string' ? (normalizePhoneNumber(value) ?? value) : value);
  const normalize = Transform(({ value }) => (Array.isArray(value) ? value.map(normalizeOne) : normalizeOne(value)));
  const validate = ValidateBy(
    {
      name: 'isPhoneNumber',
      validator: {
        validate: (value) => typeof value === 'string' && /^\+[1-9]\d{7,14}$/.test(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be a phone number in E.164 form, such as +5511987654321`,
      },
    },
    options,
  );
  return (target, key) => {
    normalize(target, key);
    validate(target, key);
  };
}
