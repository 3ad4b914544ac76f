import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** EventBridge's limit of targets per rule. */
export const TARGETS_PER_RULE = 5;

export interface DailyScheduleProps {
  /**
   * Where a delivery that failed every retry goes (each target's own dead-letter queue): the
   * scheduled jobs' queue, which the stack alarms on.
   */
  readonly deadLetterQueue: IQueue;
  /** @default 2 */
  readonly retryAttempts?: number;
  /** @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
}

/**
 * The stack's once-a-day rules: each daily job is one more target of a shared `rate(1 day)` rule
 * (a new rule every TARGETS_PER_RULE jobs) rather than a rule of its own, so a job costs its
 * function and its invoke permission, not a rule as well (the deploy budget counts resources).
 * The jobs are independent and each runs one at a time; they start together, once a day.
 */
export class DailySchedule {
  private readonly rules: { readonly rule: Rule; targets: number }[] = [];

  constructor(
    private readonly scope: Construct,
    /** The first rule's construct id; the next ones get a number after it (`DailyJobs2`, …). */
    private readonly id: string,
    private readonly props: DailyScheduleProps,
  ) {}

  /** Invokes `fn` (a job's live alias) once a day, with the schedule's retries and dead-letter queue. */
  add(fn: IFunction): Rule {
    let current = this.rules.at(-1);
    if (!current || current.targets >= TARGETS_PER_RULE) {
      const rule = new Rule(this.scope, this.rules.length === 0 ? this.id : `${this.id}${this.rules.length + 1}`, {
        description: 'Runs the daily jobs (each target is one job: knowledge retirement, audit pruning, retention, on-call gap check, …)',
        schedule: Schedule.rate(Duration.days(1)),
      });
      current = { rule, targets: 0 };
      this.rules.push(current);
    }
    current.rule.addTarget(
      new LambdaFunction(fn, {
        retryAttempts: this.props.retryAttempts ?? 2,
        maxEventAge: this.props.maxEventAge ?? Duration.hours(1),
        deadLetterQueue: this.props.deadLetterQueue,
      }),
    );
    current.targets += 1;
    return current.rule;
  }
}
