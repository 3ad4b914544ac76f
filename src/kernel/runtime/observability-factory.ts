import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

type TracerConfigService = NonNullable<NonNullable<ConstructorParameters<typeof Tracer>[0]>['customConfigService']>;

/**
 * The tracer's configuration: never record a handler's response or error into X-Ray (Powertools
 * does both by default). Responses hold incidents, contacts and auditor-only records, and errors
 * can quote them; X-Ray is readable by anyone with xray:BatchGetTraces, outside the API's role
 * model. Everything else is left to the environment ('' means "not set here").
 */
export const TRACES_WITHOUT_DATA: TracerConfigService = {
  getTracingCaptureResponse: () => 'false',
  getTracingCaptureError: () => 'false',
  get: () => '',
  getServiceName: () => '',
  getXrayTraceId: () => undefined,
  getXrayTraceSampled: () => false,
  isDevMode: () => false,
  isValueTrue: (value) => value.toLowerCase() === 'true',
  getAwsExecutionEnv: () => '',
  getCaptureHTTPsRequests: () => '',
  getSamLocal: () => '',
  getTracingEnabled: () => '',
};

/** A function's Powertools logger, metrics and tracer, named after its service. */
export function createObservability(serviceName: string) {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: 'RoweItsm' }),
    tracer: new Tracer({ serviceName, customConfigService: TRACES_WITHOUT_DATA }),
  };
}

/** The handler's trace segment (timing, cold start, annotations), without its response as metadata. */
export const traceHandler = (tracer: Tracer) => captureLambdaHandler(tracer, { captureResponse: false });
