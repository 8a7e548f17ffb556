import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

const BRAZIL = '55';

/**
 * The one place phone numbers become E.164 (`+5511987654321`). Numbers written
 * without a country code are taken as Brazilian (DDD + number, 10 or 11 digits).
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
  return `+${national}`;
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
