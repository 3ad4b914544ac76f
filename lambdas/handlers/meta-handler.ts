import { buildOpenApiDocument } from '../schemas/openapi-document';
import { createHttpHandler, open, type RouteTable } from './http/http-router';
import { createObservability } from './runtime-environment';

const observability = createObservability('meta');
// Built once per cold start: the catalogue does not change while the function runs.
const openApi = buildOpenApiDocument();

export const routes: RouteTable = {
  'GET /health': open(async () => ({ status: 200, body: { status: 'ok' } })),
  'GET /openapi.json': open(async () => ({ status: 200, body: openApi, headers: { 'Cache-Control': 'public, max-age=300' } })),
};

export const handler = createHttpHandler(routes, observability);
