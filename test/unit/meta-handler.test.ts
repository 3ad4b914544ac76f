import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { OPENAPI_DOCUMENT_FILE } from '../../src/modules/meta/functions/meta-files';
import { renderOpenApiDocument } from '../../src/api/openapi-document';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyResult>;

const context = { awsRequestId: 'test', functionName: 'meta', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const get = (path: string) => ({ httpMethod: 'GET', resource: path, path, headers: {}, body: null, requestContext: { requestId: 'r1', path } });

/** A fresh module instance per case: meta keeps the document for the life of its container. */
function freshHandler(): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../src/modules/meta/functions/meta-handler') as { handler: Handler }).handler;
  });
  return handler!;
}

const savedTaskRoot = process.env['LAMBDA_TASK_ROOT'];
beforeAll(() => {
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
});
afterEach(() => {
  if (savedTaskRoot === undefined) delete process.env['LAMBDA_TASK_ROOT'];
  else process.env['LAMBDA_TASK_ROOT'] = savedTaskRoot;
});

test('GET /health answers without building the API description', async () => {
  const answer = await freshHandler()(get('/health'), context);
  expect(answer.statusCode).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
});

test('without a rendered file (local runtime, tests) GET /openapi.json renders the catalogue, every time the same text', async () => {
  delete process.env['LAMBDA_TASK_ROOT'];
  const handler = freshHandler();
  const first = await handler(get('/openapi.json'), context);
  expect(first.statusCode).toBe(200);
  expect(first.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' });
  expect(first.body).toBe(renderOpenApiDocument());
  expect((await handler(get('/openapi.json'), context)).body).toBe(first.body);
});

test('on AWS GET /openapi.json answers the document rendered at synth beside the bundle', async () => {
  const taskRoot = mkdtempSync(join(tmpdir(), 'itsm-meta-'));
  try {
    // A marker document, so the answer can only have come from the file.
    writeFileSync(join(taskRoot, OPENAPI_DOCUMENT_FILE), '{"openapi":"3.1.0","info":{"title":"rendered at synth"}}');
    process.env['LAMBDA_TASK_ROOT'] = taskRoot;
    const answer = await freshHandler()(get('/openapi.json'), context);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json' });
    expect(JSON.parse(answer.body)).toEqual({ openapi: '3.1.0', info: { title: 'rendered at synth' } });
  } finally {
    rmSync(taskRoot, { recursive: true, force: true });
  }
});

test('a task root without the file (e.g. a bundle built without it) falls back to rendering', async () => {
  const taskRoot = mkdtempSync(join(tmpdir(), 'itsm-meta-'));
  try {
    process.env['LAMBDA_TASK_ROOT'] = taskRoot;
    expect((await freshHandler()(get('/openapi.json'), context)).body).toBe(renderOpenApiDocument());
  } finally {
    rmSync(taskRoot, { recursive: true, force: true });
  }
});

test("as the user pool's pre-token-generation trigger (V2_0) it gives people's access tokens the API's scope and takes Cognito's self-service scope out", async () => {
  const event = {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-2',
    userPoolId: 'eu-west-2_pool',
    userName: 'alice',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'desk-client' },
    request: { userAttributes: { sub: 'u-1', email: 'alice@example.com' }, groupConfiguration: { groupsToOverride: ['agent'], iamRolesToOverride: [], preferredRole: null }, scopes: ['aws.cognito.signin.user.admin'] },
    response: { claimsAndScopeOverrideDetails: null },
  };
  const answer = (await freshHandler()(event, context)) as unknown as typeof event & { response: unknown };
  expect(answer.response).toEqual({
    claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd: ['itsm/people'], scopesToSuppress: ['aws.cognito.signin.user.admin'] } },
  });
  // The rest of the event goes back as it came; refreshed tokens get the same.
  expect(answer.userName).toBe('alice');
  const refreshed = (await freshHandler()({ ...event, triggerSource: 'TokenGeneration_RefreshTokens' }, context)) as unknown as { response: unknown };
  expect(refreshed.response).toEqual(answer.response);
});
