import type { JsonSchema } from './llm-client.js';

/*
 * The JSON schemas our tools send to the model, and the validator that checks
 * the model's arguments against the very same object. Only the subset OpenAI's
 * strict mode accepts and our tools use is supported; a schema using anything
 * else fails when it is defined (at boot), so what the model is told and what
 * we check can never drift apart.
 */

type PrimitiveType = 'string' | 'integer' | 'number' | 'boolean' | 'null';

export interface StringSchema {
  type: 'string' | ['string', 'null'];
  description?: string;
  enum?: readonly (string | null)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}

export interface NumberSchema {
  type: 'integer' | 'number' | ['integer', 'null'] | ['number', 'null'];
  description?: string;
  minimum?: number;
  maximum?: number;
}

export type PropertySchema = StringSchema | NumberSchema;

export interface ObjectSchema {
  type: 'object';
  properties: Record<string, PropertySchema>;
  /** Strict mode: every property is required (nullable ones say so in their type). */
  required: string[];
  additionalProperties: false;
}

/** A tool argument that is a day: YYYY-MM-DD (zoned-time's isCalendarDate tells a real one). */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

const KNOWN_KEYWORDS = new Set(['type', 'description', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum']);

/** A strict object schema of these properties, all required. Throws on keywords the validator does not know. */
export function objectSchema(properties: Record<string, PropertySchema>): ObjectSchema & JsonSchema {
  for (const [name, property] of Object.entries(properties)) {
    for (const keyword of Object.keys(property)) {
      if (!KNOWN_KEYWORDS.has(keyword)) throw new Error(`Tool schema property ${name} uses unsupported keyword ${keyword}`);
    }
    if (property.type === 'string' || (Array.isArray(property.type) && property.type[0] === 'string')) {
      const { pattern } = property as StringSchema;
      if (pattern !== undefined) new RegExp(pattern, 'u');
    }
  }
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

export type ValidationResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] };

/**
 * Parses the model's argument string and checks it against the schema. The
 * errors are written for the model to read and correct its next call.
 */
export function validateArguments(schema: ObjectSchema, raw: string): ValidationResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, errors: ['the arguments are not valid JSON'] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: ['the arguments must be a JSON object'] };
  }
  const record = value as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(key in schema.properties)) errors.push(`unknown argument "${key}"`);
  }
  for (const name of schema.required) {
    if (!(name in record)) {
      errors.push(`missing argument "${name}"`);
      continue;
    }
    errors.push(...propertyErrors(name, schema.properties[name], record[name]));
  }
  return errors.length === 0 ? { ok: true, value: record } : { ok: false, errors };
}

function propertyErrors(name: string, schema: PropertySchema, value: unknown): string[] {
  const types: PrimitiveType[] = Array.isArray(schema.type) ? [...schema.type] : [schema.type as PrimitiveType];
  const actual = typeOf(value);
  const accepted = (types as string[]).includes(actual) || (actual === 'integer' && types.includes('number'));
  if (!accepted) return [`"${name}" must be ${types.join(' or ')}, got ${actual}`];
  if (value === null) return [];
  const errors: string[] = [];
  if (typeof value === 'string') {
    const { enum: allowed, pattern, minLength, maxLength } = schema as StringSchema;
    if (allowed !== undefined && !allowed.includes(value)) errors.push(`"${name}" must be one of ${allowed.filter((item) => item !== null).join(', ')}`);
    if (pattern !== undefined && !new RegExp(pattern, 'u').test(value)) errors.push(`"${name}" must match ${pattern}`);
    const length = [...value].length;
    if (minLength !== undefined && length < minLength) errors.push(`"${name}" must have at least ${minLength} characters`);
    if (maxLength !== undefined && length > maxLength) errors.push(`"${name}" must have at most ${maxLength} characters`);
  }
  if (typeof value === 'number') {
    const { minimum, maximum } = schema as NumberSchema;
    if (minimum !== undefined && value < minimum) errors.push(`"${name}" must be at least ${minimum}`);
    if (maximum !== undefined && value > maximum) errors.push(`"${name}" must be at most ${maximum}`);
  }
  return errors;
}

function typeOf(value: unknown): PrimitiveType | 'object' | 'array' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as 'string' | 'boolean';
  return 'object';
}
