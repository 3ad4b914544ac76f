import type { CloudFormationTemplate } from './synthesize-stack';
import { functionIdIn } from './template-model';

/**
 * Reads the stack's Lambda event source mappings on DynamoDB streams out of the synthesized
 * template, with every setting the local poller honours (local-stream-poller.ts). Kept beside
 * template-model.ts, which reads routes, functions, tables and state machines.
 */
export interface TemplateStreamMapping {
  readonly logicalId: string;
  /** The function the mapping invokes. */
  readonly functionId: string;
  /** The table whose stream it reads. */
  readonly tableId: string;
  readonly batchSize: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires (as Lambda). */
  readonly maximumRetryAttempts: number;
  /** -1: no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** FilterCriteria patterns, parsed: a record is passed on when it matches any. */
  readonly filterPatterns: readonly unknown[];
  /** Logical id of the on-failure destination (a queue), if any. */
  readonly onFailureDestinationId?: string;
}

export function streamMappingsOf(template: CloudFormationTemplate): TemplateStreamMapping[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')
    .flatMap(([logicalId, r]) => {
      const p = r.Properties;
      const getAtt = (p.EventSourceArn as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'];
      if (!getAtt || getAtt[1] !== 'StreamArn') return [];
      // The function itself, or one of its aliases (the stack maps the stream to the `live` alias).
      let functionId: string;
      try {
        functionId = functionIdIn(template, p.FunctionName);
      } catch {
        throw new Error(`${logicalId}: the event source mapping names no function of the stack`);
      }
      const destination = p.DestinationConfig?.OnFailure?.Destination as { 'Fn::GetAtt'?: [string, string] } | undefined;
      return [
        {
          logicalId,
          functionId,
          tableId: getAtt[0],
          batchSize: p.BatchSize ?? 100,
          startingPosition: p.StartingPosition ?? 'LATEST',
          bisectBatchOnFunctionError: p.BisectBatchOnFunctionError ?? false,
          maximumRetryAttempts: p.MaximumRetryAttempts ?? -1,
          maximumRecordAgeSeconds: p.MaximumRecordAgeInSeconds ?? -1,
          reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
          filterPatterns: ((p.FilterCriteria?.Filters as { Pattern: string }[] | undefined) ?? []).map((f) => JSON.parse(f.Pattern) as unknown),
          ...(destination?.['Fn::GetAtt'] && { onFailureDestinationId: destination['Fn::GetAtt'][0] }),
        },
      ];
    });
}
