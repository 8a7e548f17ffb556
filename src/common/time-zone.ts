import { ValidateBy, type ValidationOptions } from 'class-validator';

export function isIanaTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value) => typeof value === 'string' && isIanaTimeZone(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an IANA time zone such as America/Sao_Paulo`,
      },
    },
    options,
  );
}
