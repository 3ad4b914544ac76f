import * as z from 'zod';
import { defineRoutes } from '../../../kernel/http/route-declaration';

/**
 * The meta function's routes, open without a token: health and the API description.
 *
 * One declaration per route: what API Gateway deploys and the OpenAPI document describes, and the
 * `handle` answering it with the module's deps (built by the Lambda entry file in ../functions).
 * Adding a route: declare it here, write its use case in ../app, test both.
 */

/**
 * Health and the API description, open without a token. Nothing here loads the catalogue or its
 * zod schemas: health checks stay cheap.
 */
export interface MetaHttpDeps {
  /** The OpenAPI document as text, built or read once per container. */
  readonly openApiJson: () => Promise<string>;
}

export const META_ROUTES = defineRoutes<MetaHttpDeps>('meta', [
  {
    method: 'GET', path: '/health', auth: 'none', operationId: 'getHealth',
    summary: 'Liveness check', response: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'The API is up' },
    handle: async () => ({ status: 200, body: { status: 'ok' } }),
  },
  {
    method: 'GET', path: '/openapi.json', auth: 'none', operationId: 'getApiDescription',
    summary: 'This OpenAPI 3.1 description', response: { status: 200, schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }), description: 'OpenAPI document' },
    handle: async (_request, deps) => ({
      status: 200,
      body: await deps.openApiJson(),
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
    }),
  },
]);
