import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, ValidateIf } from 'class-validator';

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

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = fieldProblems(errors);
      return new BadRequestException({
        message: details.flatMap((detail) => detail.problems).join('; '),
        code: 'validation_failed',
        details,
      });
    },
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
 * A PATCH field that may be left out but not sent as null, because its column is
 * NOT NULL. (`@IsOptional` lets null through, which would reach the database.)
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined);
}
