import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** A function's Powertools logger, metrics and tracer, named after its service. */
export function createObservability(serviceName: string) {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: 'RoweItsm' }),
    tracer: new Tracer({ serviceName }),
  };
}
