import type { OpenAPIObject } from '@nestjs/swagger';
import { request } from './app.js';

/** A JSON schema as @nestjs/swagger writes it (the subset the generated tests read). */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

/** One documented route: `GET /api/pets/{id}` and what it takes. */
export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  parameters: Parameter[];
  body: Schema | null;
  /** Needs `Authorization: Bearer` (everything but the health probes). */
  authenticated: boolean;
  /** The 200 response is a page: `{ data: [...], page }`. */
  isList: boolean;
  label: string;
}

/** The document the app serves at /docs-json: the generated tests cover what it documents. */
export async function fetchOpenApiDocument(baseUrl: string): Promise<OpenAPIObject> {
  const response = await request<OpenAPIObject>(baseUrl, 'GET', '/docs-json');
  if (response.status !== 200) throw new Error(`/docs-json answered ${response.status}`);
  return response.body;
}

export function resolveSchema(document: OpenAPIObject, schema: Schema): Schema {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(document, (document.components?.schemas?.[name] ?? {}) as Schema);
  }
  if (schema.allOf !== undefined && schema.allOf.length === 1) return { ...schema, ...resolveSchema(document, schema.allOf[0]), allOf: undefined };
  return schema;
}

export function operationsOf(document: OpenAPIObject): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item as Record<string, unknown>)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const operation = raw as {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: unknown[];
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
      };
      const ok = operation.responses['200']?.content?.['application/json']?.schema;
      const okSchema = ok === undefined ? undefined : resolveSchema(document, ok);
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content['application/json']?.schema ?? null,
        authenticated: (operation.security ?? []).length > 0,
        isList: method === 'get' && okSchema?.properties?.data?.type === 'array',
        label: `${method.toUpperCase()} ${path}`,
      });
    }
  }
  return operations;
}

/** A valid value built from the schema's examples (every DTO field documents one). */
export function exampleOf(document: OpenAPIObject, schema: Schema): unknown {
  const resolved = resolveSchema(document, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.enum !== undefined) return resolved.enum[0];
  if (resolved.type === 'array') return resolved.items === undefined ? [] : [exampleOf(document, resolved.items)];
  if (resolved.properties !== undefined) {
    return Object.fromEntries(Object.entries(resolved.properties).map(([name, property]) => [name, exampleOf(document, property)]));
  }
  if (resolved.type === 'number' || resolved.type === 'integer') return resolved.minimum ?? 1;
  if (resolved.type === 'boolean') return true;
  return 'example';
}

/** The route's path with its parameters filled in. */
export function fillPath(path: string, values: Record<string, string>): string {
  // A lone surrogate cannot be percent-encoded: it travels as U+FFFD, as a browser would send it.
  const wellFormed = (value: string) => value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(wellFormed(values[name] ?? '')));
}
