import { describe, expect, it } from 'vitest';
import { objectSchema, validateArguments } from './tool-schema.js';

const schema = objectSchema({
  nome: { type: 'string', minLength: 1, maxLength: 5 },
  porte: { type: ['string', 'null'], enum: ['mini', 'grande', null] },
  data: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  idade: { type: ['integer', 'null'], minimum: 0, maximum: 40 },
});

describe('strict tool schemas', () => {
  it('requires every property and forbids others, as OpenAI strict mode does', () => {
    expect(schema.required).toEqual(['nome', 'porte', 'data', 'idade']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('refuses keywords the validator would not check', () => {
    expect(() => objectSchema({ x: { type: 'string', format: 'date' } as never })).toThrow(/unsupported keyword format/);
  });

  it('accepts arguments that follow the schema, nulls included', () => {
    expect(validateArguments(schema, '{"nome":"Rex","porte":null,"data":"2026-11-27","idade":3}')).toEqual({
      ok: true,
      value: { nome: 'Rex', porte: null, data: '2026-11-27', idade: 3 },
    });
  });

  it('explains each problem so the model can correct its call', () => {
    const result = validateArguments(schema, '{"nome":"Bartolomeu","porte":"medio","data":"amanhã","idade":3.5,"organization_id":"x"}');
    expect(result).toEqual({
      ok: false,
      errors: [
        'unknown argument "organization_id"',
        '"nome" must have at most 5 characters',
        '"porte" must be one of mini, grande',
        '"data" must match ^\\d{4}-\\d{2}-\\d{2}$',
        '"idade" must be integer or null, got number',
      ],
    });
    expect(validateArguments(schema, '{"nome":"Rex"}')).toEqual({
      ok: false,
      errors: ['missing argument "porte"', 'missing argument "data"', 'missing argument "idade"'],
    });
  });

  it('refuses what is not a JSON object', () => {
    expect(validateArguments(schema, '{"nome":')).toEqual({ ok: false, errors: ['the arguments are not valid JSON'] });
    expect(validateArguments(schema, '[1]')).toEqual({ ok: false, errors: ['the arguments must be a JSON object'] });
    expect(validateArguments(schema, 'null')).toEqual({ ok: false, errors: ['the arguments must be a JSON object'] });
  });
});
