/**
 * The stack's daily schedule: every daily job is a target of a shared rate(1 day) rule, a new
 * rule once EventBridge's five targets per rule are taken; each target keeps its own retries and
 * dead-letter queue.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DailySchedule, TARGETS_PER_RULE } from '../../src/kernel/infra/daily-schedule';
import { referencedId, resourcesOfType } from './infra-fixtures';

const jobsIn = (count: number) => {
  const stack = new Stack(new App(), 'Jobs', { env: { account: '111111111111', region: 'eu-west-2' } });
  const failures = new Queue(stack, 'Failures');
  const schedule = new DailySchedule(stack, 'DailyJobs', { deadLetterQueue: failures });
  const functions = Array.from({ length: count }, (_, i) => new LambdaFunction(stack, `Job${i}`, { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=async()=>{}') }));
  const rules = functions.map((fn) => stack.getLogicalId(schedule.add(fn).node.defaultChild as never));
  return { resources: Template.fromStack(stack).toJSON().Resources as Record<string, any>, rules, failuresId: stack.getLogicalId(failures.node.defaultChild as never) };
};

test(`${TARGETS_PER_RULE} jobs share one rule; the next one starts a second`, () => {
  const { resources, rules, failuresId } = jobsIn(TARGETS_PER_RULE + 1);
  expect(new Set(rules.slice(0, TARGETS_PER_RULE)).size).toBe(1);
  expect(rules[TARGETS_PER_RULE]).not.toBe(rules[0]);
  const ruleResources = resourcesOfType(resources, 'AWS::Events::Rule');
  expect(ruleResources.map(([id, r]) => [id, r.Properties.ScheduleExpression, r.Properties.Targets.length])).toEqual([
    [rules[0], 'rate(1 day)', TARGETS_PER_RULE],
    [rules[TARGETS_PER_RULE], 'rate(1 day)', 1],
  ]);
  // Every job is invoked, each with the retries and the dead-letter queue, and may be invoked by its rule only.
  const targets = ruleResources.flatMap(([, r]) => r.Properties.Targets);
  expect(targets.map((t: any) => referencedId(t.Arn)).sort()).toEqual(resourcesOfType(resources, 'AWS::Lambda::Function').map(([id]) => id).sort());
  for (const t of targets) {
    expect(t.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    expect(referencedId(t.DeadLetterConfig.Arn)).toBe(failuresId);
  }
  expect(resourcesOfType(resources, 'AWS::Lambda::Permission')).toHaveLength(TARGETS_PER_RULE + 1);
});
