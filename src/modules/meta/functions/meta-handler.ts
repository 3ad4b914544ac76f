import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpHandler } from '../../../kernel/http/http-router';
import { META_ROUTES, type MetaHttpDeps } from '../http/routes';
import { createObservability } from '../../../kernel/runtime/observability-factory';
import { lazily } from '../../../kernel/runtime/lazy-factory';
import { OPENAPI_DOCUMENT_FILE } from './meta-files';
import type { APIGatewayProxyEvent, Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { COGNITO_SELF_SERVICE_SCOPE, PEOPLE_SCOPE } from '../../../api/api-scopes';
import { peopleTokenOverride } from '../app/people-token';

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

const httpHandler = createHttpHandler(routes, deps, observability);

/**
 * The function also answers the user pool's pre-token-generation trigger (V2_0): it gives people's
 * access tokens the API's people scope and takes Cognito's self-service scope out. This function
 * holds no data and no grant, which is all the trigger needs; a function of its own would cost the
 * stack four more resources for nothing it could do better.
 */
const isTokenTrigger = (event: unknown): event is PreTokenGenerationV2TriggerEvent =>
  typeof event === 'object' && event !== null && typeof (event as { triggerSource?: unknown }).triggerSource === 'string' && (event as { triggerSource: string }).triggerSource.startsWith('TokenGeneration_');

export const handler = async (event: APIGatewayProxyEvent | PreTokenGenerationV2TriggerEvent, context: Context) => {
  if (isTokenTrigger(event)) {
    observability.logger.info('people token issued', { triggerSource: event.triggerSource, clientId: event.callerContext.clientId });
    return { ...event, response: peopleTokenOverride({ add: PEOPLE_SCOPE, suppress: [COGNITO_SELF_SERVICE_SCOPE] }) };
  }
  return httpHandler(event, context);
};
