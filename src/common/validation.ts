import {
  type ArgumentMetadata,
  BadRequestException,
  Injectable,
  ParseUUIDPipe,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsString, Length, ValidateIf } from 'class-validator';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens nested class-validator errors into `a.b.c` paths a client can point at. */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/** A 400 in the shape validation answers with: `code` validation_failed, `details` naming the field. */
function invalidFields(details: FieldProblem[]): BadRequestException {
  return new BadRequestException({ message: details.flatMap((detail) => detail.problems).join('; '), code: 'validation_failed', details });
}

/**
 * Every `:id` path parameter: Nest's UUID check, with a 400 that names the
 * parameter (`details`, as a body field would be) instead of its bare
 * "Validation failed (uuid is expected)".
 */
@Injectable()
export class ParseIdPipe extends ParseUUIDPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<string> {
    const name = metadata.data ?? 'id';
    if (typeof value !== 'string' || !this.isUUID(value)) {
      throw invalidFields([{ field: name, problems: [`path parameter ${name} must be a UUID, such as 3f2e1d0c-9b8a-4765-8432-10fedcba9876`] }]);
    }
    return value;
  }
}

/**
 * The global ValidationPipe, refusing first a query parameter given more than once
 * (`?limit=1&limit=2` arrives as an array): no query takes a list, and validating
 * the array would answer with every rule it breaks instead of what happened.
 */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query') {
      const given: [string, unknown][] =
        metadata.data === undefined ? Object.entries((value ?? {}) as Record<string, unknown>) : [[metadata.data, value]];
      const repeated = given.filter(([, values]) => Array.isArray(values)).map(([name]) => name);
      if (repeated.length > 0) {
        throw invalidFields(repeated.map((name) => ({ field: name, problems: [`query parameter ${name} was given more than once: give it once`] })));
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => invalidFields(fieldProblems(errors)),
  });
}

/**
 * Query-string boolean: `true` and `false` become booleans; anything else is left
 * as is so validation names the field. (Query values arrive as strings and the
 * global ValidationPipe does no implicit conversion.)
 */
export function IsBooleanQuery(): PropertyDecorator {
  const parse = Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
  const validate = IsBoolean({ message: ({ property }) => `${property} must be true or false` });
  return (target, key) => {
    parse(target, key);
    validate(target, key);
  };
}

/**
 * A name: a string trimmed before it is checked and stored, then 1 to `maxLength`
 * characters, so one of spaces alone is refused and " Ana " is kept as "Ana".
 */
export function IsName(maxLength: number): PropertyDecorator {
  const trim = Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
  const isString = IsString();
  const length = Length(1, maxLength, {
    message: ({ property }) => `${property} must have 1 to ${maxLength} characters besides spaces at either end`,
  });
  return (target, key) => {
    trim(target, key);
    isString(target, key);
    length(target, key);
  };
}

/**
 * A PATCH field that may be left out but not sent as null, because its column is
 * NOT NULL. (`@IsOptional` lets null through, which would reach the database.)
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined);
}
