import { Duration, RemovalPolicy, Stack, type CfnElement, type CfnResource } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Alias, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeNagFinding } from '../../../kernel/infra/nag-acknowledgements';

export interface ItsmSlaWorkflowProps {
  /** The function that checks an incident's clocks (src/modules/incidents/functions/sla-clock-handler.ts). */
  readonly checkFunction: IFunction;
  readonly logRetention: RetentionDays;
  /** Encrypts the execution log group. */
  readonly logKey: IKey;
}

/** State names: the local runtime runs tasks by state name, and tests override waits by it. */
export const SLA_WORKFLOW_STATES = {
  check: 'Check clocks',
  decide: 'Anything left to watch',
  wait: 'Wait for next deadline',
  done: 'Clocks stopped',
} as const;

/**
 * The Standard workflow that drives one generation of an incident's SLA clocks:
 *
 *   Check clocks ─► Anything left to watch ─(no)─► Clocks stopped
 *        ▲                   │ (yes)
 *        └── Wait for next deadline (timestamp from the check)
 *
 * Each wake-up costs three state transitions; the check decides everything (what is due, when
 * to wake up next, whether a newer generation superseded this execution), so the definition
 * stays this small and the rules stay in unit-tested domain code.
 */
export class ItsmSlaWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ItsmSlaWorkflowProps) {
    super(scope, id);
    const check = new LambdaInvoke(this, SLA_WORKFLOW_STATES.check, {
      lambdaFunction: props.checkFunction,
      payload: TaskInput.fromObject({ incidentId: JsonPath.stringAt('$.incidentId'), generation: JsonPath.numberAt('$.generation') }),
      payloadResponseOnly: true,
      resultPath: '$.check',
      retryOnServiceExceptions: true,
    });
    // Throttling or a run of lost write races: try again a little later rather than drop the clocks.
    check.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 4 });
    const wait = new Wait(this, SLA_WORKFLOW_STATES.wait, { time: WaitTime.timestampPath('$.check.next') });
    const done = new Succeed(this, SLA_WORKFLOW_STATES.done);
    wait.next(check);
    const decide = new Choice(this, SLA_WORKFLOW_STATES.decide)
      .when(Condition.booleanEquals('$.check.done', true), done)
      .otherwise(wait);

    const logGroup = new LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: "Drives one generation of an incident's SLA clocks: warnings, breaches, escalation",
      definitionBody: DefinitionBody.fromChainable(check.next(decide)),
      tracingEnabled: true,
      // No execution timeout beyond Standard's one year: an execution ends by itself once its
      // clocks are achieved, paused (a resume starts the next generation) or fully escalated.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    const policy = this.stateMachine.role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    // Invoked by a function ARN, Step Functions also grants `<arn>:*`; by an alias ARN (the stack's
    // `live` alias), the alias alone, and there is nothing to acknowledge.
    if (!(props.checkFunction instanceof Alias)) {
      const functionId = Stack.of(this).getLogicalId(props.checkFunction.node.defaultChild as CfnElement);
      acknowledgeNagFinding(
        policy,
        `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
        'The task invokes the check function by its ARN; the ":*" statement that Step Functions generates alongside covers ' +
          "that one function's versions and aliases, nothing else.",
      );
    }
    acknowledgeNagFinding(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Execution logging (logs:*LogDelivery, logs:PutResourcePolicy, logs:Describe*) and X-Ray tracing have no ' +
        'resource-level permissions: AWS documents Resource "*" for both. The task invocation names its function.',
    );

    new Alarm(this, 'FailedExecutionsAlarm', {
      alarmDescription: 'An SLA workflow execution failed: the clocks of an incident are no longer watched',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
