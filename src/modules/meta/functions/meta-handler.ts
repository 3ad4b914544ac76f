import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { META_ROUTES, type MetaHttpDeps } from '../http/routes';
import { createObservability } from '../../../kernel/runtime/observability-factory';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import { OPENAPI_DOCUMENT_FILE } from './meta-files';

const observability = createObservability('meta');

/**
 * Nothing is built at cold start: health checks never load the catalogue and its zod schemas. On
 * AWS the document was rendered at synth and ships beside the bundle (LAMBDA_TASK_ROOT); where it
 * does not (the local runtime, tests) it is rendered here, on the first GET /openapi.json, from
 * the same catalogue. Either way it is kept as text for the container's life.
 */
const openApiJson = lazily(async () => {
  const taskRoot = process.env['LAMBDA_TASK_ROOT'];
  if (taskRoot) {
    try {
      return await readFile(join(taskRoot, OPENAPI_DOCUMENT_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return (await import('../../../api/openapi-document')).renderOpenApiDocument();
});
const deps: MetaHttpDeps = { openApiJson };

/** The routes this function serves, declared in ../http/routes.ts. */
export const routes = META_ROUTES;

export const handler = createHttpHandler(routes, deps, observability);
