import * as z from 'zod';
import { API_ROUTES, type ApiRoute } from './api-catalogue';

/** Builds the OpenAPI 3.1 description from the same catalogue and schemas that validate requests. */
export function buildOpenApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'rowe-itsm API',
      version: '0.1.0',
      description: 'IT service management for managed-service clients. Errors are RFC 9457 problem details.',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    paths,
    components: {
      securitySchemes: {
        cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito ID token (people) or access token (client credentials)' },
      },
      schemas: { Problem: PROBLEM_SCHEMA },
    },
  };
}

/** The document as GET /openapi.json answers it: rendered at synth beside meta's bundle, or by meta on its first request. */
export const renderOpenApiDocument = (): string => JSON.stringify(buildOpenApiDocument());

function operation(route: ApiRoute): Record<string, unknown> {
  const params: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name, in: 'path', required: true, schema: { type: 'string' },
  }));
  if (route.query) {
    const shape = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, schema] of Object.entries(shape.properties ?? {})) {
      params.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
    }
  }
  if (route.problems?.includes(428)) {
    params.push({ name: 'If-Match', in: 'header', required: true, schema: { type: 'string' }, description: 'ETag of the version you read' });
  }
  if (route.method === 'POST') {
    params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 }, description: 'Replays within 24 h return the first response; reusing a key with another body answers 422' });
  }
  const problems = [400, ...(route.auth === 'token' ? [401, 403] : []), ...(route.problems ?? []), 500];
  const responses: Record<string, unknown> = {};
  if (route.response) {
    responses[String(route.response.status)] = {
      description: route.response.description,
      ...(route.response.schema && { content: { 'application/json': { schema: jsonSchema(route.response.schema, 'output') } } }),
    };
  }
  for (const status of problems) {
    responses[String(status)] = { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.auth === 'token' ? { security: [{ cognito: [] }] } : { security: [] }),
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } }),
    responses,
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};
