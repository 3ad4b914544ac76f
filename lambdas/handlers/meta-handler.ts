import { createHttpHandler, open, type RouteTable } from './http/http-router';
import { createObservability } from './observability-factory';
import { lazily } from './lazy-factory';

const observability = createObservability('meta');
// Built on the first GET /openapi.json, not at cold start: health checks never load the catalogue
// and its zod schemas. Kept serialized for the container's life (the catalogue does not change
// while the function runs), so later requests only copy the text.
const openApiJson = lazily(async () => JSON.stringify((await import('../schemas/openapi-document')).buildOpenApiDocument()));

export const routes: RouteTable = {
  'GET /health': open(async () => ({ status: 200, body: { status: 'ok' } })),
  'GET /openapi.json': open(async () => ({
    status: 200,
    body: await openApiJson(),
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' },
  })),
};

export const handler = createHttpHandler(routes, observability);
