/**
 * Traces do not leak data: a function's handler, wrapped as every entry point wraps it, puts
 * neither its response nor its error into the X-Ray segment (Powertools records both by default),
 * whatever the environment says. The control case shows the fake segment would see them.
 */
import middy from '@middy/core';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { createObservability, traceHandler } from '../../src/kernel/runtime/observability-factory';

const RESPONSE = { statusCode: 200, body: JSON.stringify({ contact: 'alice@example.com', workNotes: 'auditor-only' }) };

/** An X-Ray segment that records what is put on it, installed on `tracer` as if tracing were on. */
function recordingSegment(tracer: Tracer) {
  const segment = {
    metadata: [] as unknown[],
    errors: [] as unknown[],
    flagged: 0,
    addNewSubsegment: () => segment,
    close: () => undefined,
    addMetadata: (key: string, value: unknown) => segment.metadata.push({ key, value }),
    addAnnotation: () => undefined,
    addError: (error: unknown) => segment.errors.push(error),
    addErrorFlag: () => void segment.flagged++,
  };
  jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  jest.spyOn(tracer, 'getSegment').mockReturnValue(segment as never);
  jest.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
  // Annotations and metadata go to the segment through the X-Ray SDK's provider; caught here instead.
  jest.spyOn(tracer, 'putAnnotation').mockImplementation(() => undefined);
  jest.spyOn(tracer, 'putMetadata').mockImplementation((key: string, value: unknown) => void segment.addMetadata(key, value));
  return segment;
}

const run = async (handler: (event: unknown, context: never) => Promise<unknown>) => handler({}, { awsRequestId: 'r' } as never).catch((error: Error) => error);

describe.each([
  ['the environment says nothing', {}],
  ['the environment asks for capture', { POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'true', POWERTOOLS_TRACER_CAPTURE_ERROR: 'true' }],
])('the handler wrapper (%s)', (_, env) => {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, env));
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  test('records neither the response nor the error, only that there was one', async () => {
    const { tracer } = createObservability('incidents');
    const segment = recordingSegment(tracer);
    await run(middy(async () => RESPONSE).use(traceHandler(tracer)));
    const failure = await run(middy(async () => { throw new Error('cannot notify alice@example.com'); }).use(traceHandler(tracer)));
    expect(failure).toBeInstanceOf(Error);
    expect(segment.metadata).toEqual([]);
    expect(segment.errors).toEqual([]);
    expect(segment.flagged).toBe(1);
    // Even called directly, the tracer refuses both.
    tracer.addResponseAsMetadata(RESPONSE, 'handler');
    tracer.addErrorAsMetadata(new Error('alice@example.com'));
    expect(segment.metadata).toEqual([]);
    expect(segment.errors).toEqual([]);
  });
});

test('control: Powertools\' defaults would put both into the segment', async () => {
  const tracer = new Tracer({ serviceName: 'control' });
  const segment = recordingSegment(tracer);
  await run(middy(async () => RESPONSE).use(captureLambdaHandler(tracer)));
  await run(middy(async () => { throw new Error('cannot notify alice@example.com'); }).use(captureLambdaHandler(tracer)));
  expect(segment.metadata).toEqual([expect.objectContaining({ value: RESPONSE })]);
  expect(segment.errors).toHaveLength(1);
  jest.restoreAllMocks();
});
