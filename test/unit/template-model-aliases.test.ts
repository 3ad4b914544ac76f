/**
 * The local runtime reads what to invoke out of the template. The stack invokes every function
 * through its `live` alias (integration URIs, rule targets, the SLA task, the stream mapping):
 * template-model follows an alias `Ref` (or `Fn::GetAtt`) to the function it belongs to.
 */
import { streamMappingsOf } from '../../local/event-source-mappings';
import type { CloudFormationTemplate } from '../../local/synthesize-stack';
import { functionIdIn, routesOf, schedulesOf, eventRulesOf, stateMachinesOf } from '../../local/template-model';

const fn = (entry: string) => ({ Type: 'AWS::Lambda::Function', Properties: { Timeout: 10 }, Metadata: { 'itsm:entry': entry } });
const alias = (functionId: string, versionId: string) => ({
  Type: 'AWS::Lambda::Alias',
  Properties: { FunctionName: { Ref: functionId }, FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] }, Name: 'live' },
});
const invokeUri = (target: unknown) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', target, '/invocations']],
});

const template = {
  Resources: {
    ApiFn: fn('src/a.ts'),
    ApiFnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'ApiFn' } } },
    ApiFnLive: alias('ApiFn', 'ApiFnVersion'),
    JobFn: fn('src/j.ts'),
    JobFnLive: alias('JobFn', 'JobFnVersion'),
    CheckFn: fn('src/c.ts'),
    CheckFnLive: alias('CheckFn', 'CheckFnVersion'),
    ConsumerFn: fn('src/o.ts'),
    ConsumerFnLive: alias('ConsumerFn', 'ConsumerFnVersion'),
    Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Api: {
      Type: 'AWS::ApiGateway::RestApi',
      Properties: {
        Body: {
          paths: {
            '/a': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: invokeUri({ Ref: 'ApiFnLive' }) } } },
            '/b': { post: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: invokeUri({ 'Fn::GetAtt': ['ApiFn', 'Arn'] }) } } },
          },
        },
      },
    },
    Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [{ Arn: { Ref: 'JobFnLive' } }] } },
    Events: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['aws.cloudwatch'] }, Targets: [{ Arn: { 'Fn::GetAtt': ['JobFnLive', 'Arn'] } }] } },
    Workflow: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"Check","States":{"Check":{"Type":"Task","End":true,"Resource":"', { Ref: 'CheckFnLive' }, '"}}}']] },
      },
    },
    Stream: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
        FunctionName: { 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'ConsumerFnLive' }] }] }, ':live']] },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      },
    },
  },
} as unknown as CloudFormationTemplate;

describe('template-model follows aliases to their functions', () => {
  test('API integrations: an alias Ref and a function GetAtt both name the function', () => {
    expect(routesOf(template).map((r) => [r.method, r.path, r.functionId])).toEqual([
      ['GET', '/a', 'ApiFn'],
      ['POST', '/b', 'ApiFn'],
    ]);
  });

  test('schedule and event rule targets', () => {
    expect(schedulesOf(template).map((s) => s.functionIds)).toEqual([['JobFn']]);
    expect(eventRulesOf(template).map((s) => s.functionIds)).toEqual([['JobFn']]);
  });

  test("the state machine's task invokes the function locally", () => {
    const [machine] = stateMachinesOf(template, 'eu-west-2');
    expect(machine!.taskFunctions).toEqual({ Check: 'CheckFn' });
    expect((machine!.definition.States['Check'] as { Resource: string }).Resource).toBe('arn:aws:lambda:eu-west-2:000000000000:function:CheckFn');
  });

  test("the stream mapping's FunctionName (alias name built from the alias ARN)", () => {
    expect(streamMappingsOf(template).map((m) => [m.functionId, m.tableId, m.onFailureDestinationId])).toEqual([['ConsumerFn', 'Table', 'Queue']]);
  });

  test('a value naming no function, or two, is refused', () => {
    expect(() => functionIdIn(template, { Ref: 'Table' })).toThrow(/No Lambda function/);
    expect(() => functionIdIn(template, ['x', { Ref: 'ApiFnLive' }, { Ref: 'JobFnLive' }])).toThrow(/More than one/);
  });
});
