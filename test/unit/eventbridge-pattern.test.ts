import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
} from '../../local/eventbridge-pattern';

/**
 * Examples come from the EventBridge user guide (event patterns, comparison operators, content
 * filtering, arrays, null values), the event-ruler README that documents the same engine, and
 * behaviour AWS was observed to have where the guide is silent (marked "observed on AWS").
 */

type Json = Record<string, unknown>;

const fixture = (name: string): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'eventbridge', name), 'utf8')) as Json;

/** A minimal event envelope with the given detail. */
const withDetail = (detail: Json, extra: Json = {}): Json => ({
  version: '0',
  id: '1',
  'detail-type': 'test-detail-type',
  source: 'test-source',
  account: '123456789012',
  time: '2022-07-13T13:48:01Z',
  region: 'us-east-2',
  resources: [],
  detail,
  ...extra,
});

/** The EC2 event from the "Event patterns" page. */
const ec2Terminated: Json = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The sample event of the event-ruler README, used by the numeric and complex examples. */
const rulerSample: Json = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const field = (name: string, matchers: unknown[]): Json => ({ detail: { [name]: matchers } });
const matchesValue = (matchers: unknown[], value: unknown): boolean =>
  matchesPattern(field('x', matchers), withDetail({ x: value }));

describe('pattern structure (Event patterns page)', () => {
  const terminationPattern = {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['terminated'] },
  };

  test('the documented EC2 termination pattern matches the documented event', () => {
    expect(matchesPattern(terminationPattern, ec2Terminated)).toBe(true);
  });

  test('one field that does not match makes the whole pattern fail (AND)', () => {
    const running = { ...ec2Terminated, detail: { 'instance-id': 'i-1', state: 'running' } };
    expect(matchesPattern(terminationPattern, running)).toBe(false);
  });

  test('event fields the pattern does not name are ignored', () => {
    expect(matchesPattern({ source: ['aws.ec2'] }, ec2Terminated)).toBe(true);
  });

  test('a field named by the pattern but missing from the event does not match', () => {
    expect(matchesPattern({ source: ['aws.ec2'], detail: { 'c-count': [5] } }, ec2Terminated)).toBe(false);
  });

  test('values in a field array are alternatives (aws.ec2 or aws.fargate)', () => {
    const pattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesPattern(pattern, ec2Terminated)).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Terminated, source: 'aws.fargate' })).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Terminated, source: 'aws.ecs' })).toBe(false);
  });

  test('And: Location is "New York" and Day is "Monday"', () => {
    const pattern = { Location: ['New York'], Day: ['Monday'] };
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Monday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Tuesday' })).toBe(false);
  });

  test('string matching is exact and case-sensitive', () => {
    expect(matchesPattern({ source: ['AWS.EC2'] }, ec2Terminated)).toBe(false);
    expect(matchesPattern({ source: ['aws.ec2 '] }, ec2Terminated)).toBe(false);
  });

  test('Macie example: nested fields with numbers (risk-score 80 and trigger.risk 8)', () => {
    const macie = {
      source: 'aws.macie',
      'detail-type': 'Macie Alert',
      detail: { 'risk-score': 80, trigger: { 'alert-type': 'basic', risk: 8 }, tags: ['Custom_Alert', 'Insider'] },
    };
    const pattern = { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
    expect(matchesPattern(pattern, macie)).toBe(true);
    expect(matchesPattern({ ...pattern, detail: { 'risk-score': [80], trigger: { risk: [9] } } }, macie)).toBe(false);
  });

  test('a pattern nesting into a field whose event value is a leaf does not match', () => {
    expect(matchesPattern({ detail: { state: { name: ['terminated'] } } }, ec2Terminated)).toBe(false);
  });

  test('a value matcher on a field whose event value is an object does not match', () => {
    expect(matchesPattern({ detail: ['terminated'] }, ec2Terminated)).toBe(false);
  });

  test('patterns and events can be given as JSON text', () => {
    expect(matchesPattern(JSON.stringify(terminationPattern), JSON.stringify(ec2Terminated))).toBe(true);
  });

  test('an event that is not a JSON object never matches', () => {
    const exists = { source: [{ exists: false }] };
    expect(matchesPattern(exists, null)).toBe(false);
    expect(matchesPattern(exists, [ec2Terminated])).toBe(false);
    expect(matchesPattern(exists, 'not json')).toBe(false);
  });

  test('the last occurrence of a duplicated key is the one used (documented note)', () => {
    const pattern = JSON.parse(
      '{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}',
    ) as unknown;
    expect(matchesPattern(pattern, withDetail({ location: 'eu-west' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ location: 'us-east' }))).toBe(false);
  });
});

describe('value types, null and empty strings', () => {
  const launch = withDetail(
    { eventVersion: '', responseElements: null },
    { source: 'aws.autoscaling', 'detail-type': 'EC2 Instance Launch Successful' },
  );

  test('[""] matches an empty string (null values page)', () => {
    expect(matchesPattern({ detail: { eventVersion: [''] } }, launch)).toBe(true);
  });

  test('[null] matches a null value (null values page)', () => {
    expect(matchesPattern({ detail: { responseElements: [null] } }, launch)).toBe(true);
  });

  test('null and the empty string are not interchangeable', () => {
    expect(matchesPattern({ detail: { eventVersion: [null] } }, launch)).toBe(false);
    expect(matchesPattern({ detail: { responseElements: [''] } }, launch)).toBe(false);
  });

  test('[null] does not match an empty array (observed on AWS) or a missing field', () => {
    expect(matchesPattern({ detail: { missing: [null] } }, launch)).toBe(false);
    expect(matchesPattern({ resources: [null] }, launch)).toBe(false);
  });

  test('the string "300" and the number 300 are different values', () => {
    expect(matchesValue(['300'], 300)).toBe(false);
    expect(matchesValue([300], '300')).toBe(false);
    expect(matchesValue([300], 300)).toBe(true);
  });

  test('numbers are compared by value: [300] matches 300.0 and 3.0e2 (observed on AWS)', () => {
    const event = JSON.parse('{"detail":{"a":300.0,"b":3.0e2}}') as unknown;
    expect(matchesPattern({ detail: { a: [300], b: [300] } }, event)).toBe(true);
  });

  test('booleans match booleans, not their string spelling', () => {
    expect(matchesValue([true], true)).toBe(true);
    expect(matchesValue([true], 'true')).toBe(false);
    expect(matchesValue([false], true)).toBe(false);
  });

  test('a list may mix value types: ["a", 5, null, true]', () => {
    expect(matchesValue(['a', 5, null, true], null)).toBe(true);
    expect(matchesValue(['a', 5, null, true], 5)).toBe(true);
    expect(matchesValue(['a', 5, null, true], false)).toBe(false);
  });
});

describe('arrays in events', () => {
  const resourcesPattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };

  test('the documented resources example matches through a non-empty intersection', () => {
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matchesPattern(resourcesPattern, event)).toBe(true);
  });

  test('an event array with no listed element does not match', () => {
    expect(matchesPattern(resourcesPattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-0'] })).toBe(false);
  });

  test('an empty event array matches no value', () => {
    expect(matchesPattern({ resources: [{ prefix: '' }] }, { resources: [] })).toBe(false);
  });

  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };

  test('a pattern nests through an array of objects as if it were not there', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
  });

  test('fields matched inside one array must come from the same element', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
  });

  test('multi-level arrays are crushed too', () => {
    const nested = { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] };
    expect(matchesPattern({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Paul'] } }, nested)).toBe(false);
  });

  test('operators apply to each element: numeric over [1, 7]', () => {
    expect(matchesValue([{ numeric: ['>', 5] }], [1, 7])).toBe(true);
    expect(matchesValue([{ numeric: ['>', 8] }], [1, 7])).toBe(false);
  });
});

describe('prefix and suffix', () => {
  test('prefix "2017-10-02" matches the documented time', () => {
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(false);
  });

  test('prefix matching is case-sensitive: Region "us-"', () => {
    expect(matchesPattern({ Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' })).toBe(true);
    expect(matchesPattern({ Region: [{ prefix: 'us-' }] }, { Region: 'US-EAST-1' })).toBe(false);
  });

  test('prefix works on strings only, never on numbers', () => {
    expect(matchesValue([{ prefix: '20' }], 2017)).toBe(false);
  });

  test('prefix with equals-ignore-case "EventB" matches any casing', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbridge']) {
      expect(matchesPattern(pattern, withDetail({ service }))).toBe(true);
    }
    expect(matchesPattern(pattern, withDetail({ service: 'Bridge' }))).toBe(false);
  });

  test('suffix ".png" matches FileName ending with .png, case-sensitively', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    expect(matchesPattern(pattern, { FileName: 'image.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'image.PNG' })).toBe(false);
    expect(matchesPattern(pattern, { FileName: 'image.png.txt' })).toBe(false);
  });

  test('suffix with equals-ignore-case matches .PNG', () => {
    const pattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matchesPattern(pattern, withDetail({ FileName: 'image.PNG' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ FileName: 'image.gif' }))).toBe(false);
  });

  test('suffix equals-ignore-case "tBridge" matches "EVENTBRIDGE"', () => {
    expect(matchesPattern({ service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] }, { service: 'EVENTBRIDGE' })).toBe(true);
  });

  test('suffix works on strings only, never on numbers', () => {
    expect(matchesValue([{ suffix: '5' }], 25)).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  test('"alice" matches Alice and ALICE but not Alicia', () => {
    const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
    expect(matchesPattern(pattern, { Name: 'Alice' })).toBe(true);
    expect(matchesPattern(pattern, { Name: 'ALICE' })).toBe(true);
    expect(matchesPattern(pattern, { Name: 'Alicia' })).toBe(false);
  });

  test('documented detail-type example', () => {
    const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };
    expect(matchesPattern(pattern, ec2Terminated)).toBe(true);
  });

  test('the empty string matches only the empty string (observed on AWS)', () => {
    expect(matchesValue([{ 'equals-ignore-case': '' }], '')).toBe(true);
    expect(matchesValue([{ 'equals-ignore-case': '' }], 'test-value')).toBe(false);
  });

  test('does not match non-strings', () => {
    expect(matchesValue([{ 'equals-ignore-case': 'true' }], true)).toBe(false);
  });
});

describe('wildcard', () => {
  test('"dir/*.png": any file with a .png extension in the folder "dir"', () => {
    const pattern = { FileName: [{ wildcard: 'dir/*.png' }] };
    expect(matchesPattern(pattern, { FileName: 'dir/photo.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'dir/sub/photo.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'other/photo.png' })).toBe(false);
    expect(matchesPattern(pattern, { FileName: 'dir/photo.gif' })).toBe(false);
  });

  test('* matches zero characters too', () => {
    expect(matchesValue([{ wildcard: 'dir/*.png' }], 'dir/.png')).toBe(true);
  });

  test('documented EventBusArn example', () => {
    const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(matchesPattern(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' })).toBe(true);
    expect(matchesPattern(pattern, { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/myEventBus' })).toBe(false);
  });

  test('several wildcards: "*Title*" and "Simple*Service"', () => {
    expect(matchesValue([{ wildcard: '*Title*' }], 'A Title here')).toBe(true);
    expect(matchesValue([{ wildcard: 'Simple*Service' }], 'SimpleQueueService')).toBe(true);
    expect(matchesValue([{ wildcard: 'Simple*Service' }], 'SimpleQueueServices')).toBe(false);
  });

  test('\\* is a literal asterisk and \\\\ a literal backslash', () => {
    expect(matchesValue([{ wildcard: 'a\\*b' }], 'a*b')).toBe(true);
    expect(matchesValue([{ wildcard: 'a\\*b' }], 'axb')).toBe(false);
    expect(matchesValue([{ wildcard: 'C:\\\\*' }], 'C:\\Windows')).toBe(true);
  });

  test('regular-expression characters are literal', () => {
    expect(matchesValue([{ wildcard: 'a.c*' }], 'abc')).toBe(false);
    expect(matchesValue([{ wildcard: 'a.c*' }], 'a.c(1)')).toBe(true);
  });

  test('does not match numbers', () => {
    expect(matchesValue([{ wildcard: '*' }], 5)).toBe(false);
  });
});

describe('anything-but', () => {
  test('single string: "initializing"', () => {
    const pattern = field('state', [{ 'anything-but': 'initializing' }]);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
  });

  test('single number: 123', () => {
    const pattern = field('x-limit', [{ 'anything-but': 123 }]);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 456 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 123 }))).toBe(false);
  });

  test('anything-but 0 matches 789 (observed on AWS)', () => {
    expect(matchesValue([{ 'anything-but': 0 }], 789)).toBe(true);
  });

  test('list of strings: stopped, overloaded', () => {
    const pattern = field('state', [{ 'anything-but': ['stopped', 'overloaded'] }]);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'overloaded' }))).toBe(false);
  });

  test('list of numbers: 100, 200, 300 (compared by value)', () => {
    const pattern = field('x-limit', [{ 'anything-but': [100, 200, 300] }]);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 200 }))).toBe(false);
    expect(matchesPattern(pattern, JSON.parse('{"detail":{"x-limit":2.0e2}}'))).toBe(false);
  });

  test('a numeric exclusion does not exclude the same digits as a string', () => {
    expect(matchesValue([{ 'anything-but': 123 }], '123')).toBe(true);
    expect(matchesValue([{ 'anything-but': [100, 200] }], '100')).toBe(true);
  });

  test('a string exclusion does not exclude the same digits as a number', () => {
    expect(matchesValue([{ 'anything-but': '123' }], 123)).toBe(true);
    expect(matchesValue([{ 'anything-but': ['123'] }], 123)).toBe(true);
  });

  test('matches a null value (observed on AWS)', () => {
    expect(matchesValue([{ 'anything-but': 'initializing' }], null)).toBe(true);
    expect(matchesValue([{ 'anything-but': ['stopped', 'overloaded'] }], null)).toBe(true);
  });

  test.each([
    ['string', { 'anything-but': 'initializing' }],
    ['string list', { 'anything-but': ['stopped', 'overloaded'] }],
    ['number', { 'anything-but': 123 }],
    ['prefix', { 'anything-but': { prefix: 'init' } }],
    ['suffix', { 'anything-but': { suffix: '.png' } }],
    ['equals-ignore-case', { 'anything-but': { 'equals-ignore-case': 'initializing' } }],
    ['wildcard', { 'anything-but': { wildcard: '*/lib/*' } }],
  ])('%s: does not match a missing field (observed on AWS for the string forms)', (_name, matcher) => {
    expect(matchesPattern(field('state', [matcher]), withDetail({ other: 'x' }))).toBe(false);
  });

  test('on an event array, matches when any element is not excluded', () => {
    expect(matchesValue([{ 'anything-but': 'stopped' }], ['stopped', 'running'])).toBe(true);
    expect(matchesValue([{ 'anything-but': 'stopped' }], ['stopped'])).toBe(false);
    expect(matchesValue([{ 'anything-but': [100, 500] }], [100, 50])).toBe(true);
    expect(matchesValue([{ 'anything-but': [100, 500] }], [100, 500])).toBe(false);
  });

  test('prefix "init": documented state example', () => {
    const pattern = field('state', [{ 'anything-but': { prefix: 'init' } }]);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ state: 'init' }))).toBe(false);
  });

  test('prefix "us-": Region is not in the US', () => {
    const pattern = { Region: [{ 'anything-but': { prefix: 'us-' } }] };
    expect(matchesPattern(pattern, { Region: 'eu-west-1' })).toBe(true);
    expect(matchesPattern(pattern, { Region: 'us-east-1' })).toBe(false);
  });

  test('prefix matches values that are not strings: a number and null (observed on AWS)', () => {
    expect(matchesValue([{ 'anything-but': { prefix: 'init' } }], 12)).toBe(true);
    expect(matchesValue([{ 'anything-but': { prefix: 'init' } }], null)).toBe(true);
    expect(matchesValue([{ 'anything-but': { prefix: '1' } }], 12)).toBe(true);
  });

  test('prefix list: neither "init" nor "stop"', () => {
    const matcher = { 'anything-but': { prefix: ['init', 'stop'] } };
    expect(matchesValue([matcher], 'running')).toBe(true);
    expect(matchesValue([matcher], 'stopping')).toBe(false);
    expect(matchesValue([matcher], 'initializing')).toBe(false);
  });

  test('suffix ".png": FileName does not end with .png (case-sensitive)', () => {
    const matcher = { 'anything-but': { suffix: '.png' } };
    expect(matchesValue([matcher], 'notes.txt')).toBe(true);
    expect(matchesValue([matcher], 'photo.png')).toBe(false);
    expect(matchesValue([matcher], 'photo.PNG')).toBe(true);
  });

  test('suffix list and a number value', () => {
    const matcher = { 'anything-but': { suffix: ['.txt', '.rtf'] } };
    expect(matchesValue([matcher], 'a.rtf')).toBe(false);
    expect(matchesValue([matcher], 'a.doc')).toBe(true);
    expect(matchesValue([matcher], 7)).toBe(true);
  });

  test('equals-ignore-case: any value besides "initializing" in any casing', () => {
    const matcher = { 'anything-but': { 'equals-ignore-case': 'initializing' } };
    expect(matchesValue([matcher], 'INITIALIZING')).toBe(false);
    expect(matchesValue([matcher], 'Initializing')).toBe(false);
    expect(matchesValue([matcher], 'running')).toBe(true);
  });

  test('equals-ignore-case list, and null passes (observed on AWS)', () => {
    const matcher = { 'anything-but': { 'equals-ignore-case': ['Initializing', 'Stopped'] } };
    expect(matchesValue([matcher], 'stopped')).toBe(false);
    expect(matchesValue([matcher], 'pending')).toBe(true);
    expect(matchesValue([matcher], null)).toBe(true);
  });

  test('wildcard "*/lib/*": FilePath is not a path that includes /lib/', () => {
    const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matchesPattern(pattern, { FilePath: '/usr/lib/libc.so' })).toBe(false);
    expect(matchesPattern(pattern, { FilePath: '/usr/bin/env' })).toBe(true);
  });

  test('wildcard list, and numbers pass (a single wildcard was observed on AWS)', () => {
    const matcher = { 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } };
    expect(matchesValue([matcher], '/usr/bin/env')).toBe(false);
    expect(matchesValue([matcher], '/etc/hosts')).toBe(true);
    expect(matchesValue([matcher], 123)).toBe(true);
  });

  test('empty wildcard excludes only the empty string (observed on AWS)', () => {
    expect(matchesValue([{ 'anything-but': { wildcard: '' } }], 'dir/init/file')).toBe(true);
    expect(matchesValue([{ 'anything-but': { wildcard: '' } }], '')).toBe(false);
  });

  test('anything-but or exists:false, on a missing field (observed on AWS)', () => {
    const pattern = { dynamodb: { NewImage: { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } } } };
    const missing = { dynamodb: { NewImage: { purchased: { N: '789' } } } };
    const roses = { dynamodb: { NewImage: { homemade: { S: 'roses' } } } };
    const tulips = { dynamodb: { NewImage: { homemade: { S: 'tulips' } } } };
    expect(matchesPattern(pattern, missing)).toBe(true);
    expect(matchesPattern(pattern, roses)).toBe(false);
    expect(matchesPattern(pattern, tulips)).toBe(true);
  });
});

describe('numeric', () => {
  const documented = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  const sampleWith = (detail: Json): Json => ({ ...rulerSample, detail: { ...(rulerSample['detail'] as Json), ...detail } });

  test('the documented pattern matches c-count 5, d-count 3, x-limit 301.8', () => {
    expect(matchesPattern(documented, rulerSample)).toBe(true);
  });

  test.each<[Json, boolean]>([
    [{ 'c-count': 0 }, false],
    [{ 'c-count': 0.5 }, true],
    [{ 'c-count': 6 }, false],
    [{ 'd-count': 10 }, false],
    [{ 'd-count': -3 }, true],
    [{ 'x-limit': 301.9 }, false],
  ])('the documented pattern with %j → %s', (change, expected) => {
    expect(matchesPattern(documented, sampleWith(change))).toBe(expected);
  });

  test('Price is more than 10 and less than or equal to 20', () => {
    const matcher = { numeric: ['>', 10, '<=', 20] };
    expect(matchesValue([matcher], 10)).toBe(false);
    expect(matchesValue([matcher], 10.5)).toBe(true);
    expect(matchesValue([matcher], 20)).toBe(true);
    expect(matchesValue([matcher], 20.01)).toBe(false);
  });

  test('>= and < bounds', () => {
    expect(matchesValue([{ numeric: ['>=', 7] }], 7)).toBe(true);
    expect(matchesValue([{ numeric: ['>=', 7, '<', 9] }], 9)).toBe(false);
    expect(matchesValue([{ numeric: ['>=', 7, '<', 9] }], 8.99)).toBe(true);
  });

  test('Price is 100 with "=" matches 100.0', () => {
    expect(matchesPattern({ Price: [{ numeric: ['=', 100] }] }, JSON.parse('{"Price":100.0}'))).toBe(true);
  });

  test('101.0 is > 100 (observed on AWS)', () => {
    expect(matchesPattern({ number: [{ numeric: ['>', 100] }] }, JSON.parse('{"number":101.0}'))).toBe(true);
  });

  test('only JSON numbers: a numeric string or null does not match', () => {
    expect(matchesValue([{ numeric: ['>', 0] }], '5')).toBe(false);
    expect(matchesValue([{ numeric: ['>', 0] }], null)).toBe(false);
  });

  test('values outside ±5.0e9 are not compared', () => {
    expect(matchesValue([{ numeric: ['>', 0] }], 5e9)).toBe(true);
    expect(matchesValue([{ numeric: ['>', 0] }], 6e9)).toBe(false);
  });
});

describe('IP address matching', () => {
  test('cidr 10.0.0.0/24 covers 10.0.0.0–10.0.0.255', () => {
    const matcher = { cidr: '10.0.0.0/24' };
    expect(matchesValue([matcher], '10.0.0.33')).toBe(true);
    expect(matchesValue([matcher], '10.0.0.0')).toBe(true);
    expect(matchesValue([matcher], '10.0.0.255')).toBe(true);
    expect(matchesValue([matcher], '10.0.1.1')).toBe(false);
  });

  test('IPv6 block, with the event address fully written out (observed on AWS)', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } };
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '2001:0db8:1234:1a00:0000:0000:0000:0000' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '2001:db8:1234:1a00:ffff::1' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '2001:db8:1234:1a01::1' }))).toBe(false);
  });

  test('a number is not an IP address (observed on AWS)', () => {
    expect(matchesValue([{ cidr: '10.0.0.0/24' }], 123)).toBe(false);
  });

  test('non-addresses and the other IP version do not match', () => {
    expect(matchesValue([{ cidr: '10.0.0.0/8' }], 'ten.zero.zero.one')).toBe(false);
    expect(matchesValue([{ cidr: '10.0.0.0/8' }], '::1')).toBe(false);
    expect(matchesValue([{ cidr: '::/1' }], '10.0.0.1')).toBe(false);
  });

  test('an exact IP string is compared as an address', () => {
    expect(matchesValue(['2001:db8::1'], '2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(matchesValue(['10.0.0.1'], '10.0.0.1')).toBe(true);
    expect(matchesValue(['10.0.0.1'], '10.0.0.2')).toBe(false);
  });
});

describe('exists', () => {
  const pending = {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2015-11-11T21:29:54Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
  };
  const withCCountObject = {
    'detail-type': ['EC2 Instance State-change Notification'],
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
    detail: { 'c-count': { c1: 100 } },
  };

  test('exists:true matches the documented event that has detail.state', () => {
    expect(matchesPattern({ detail: { state: [{ exists: true }] } }, pending)).toBe(true);
  });

  test('exists:true does not match the documented event without detail.state', () => {
    expect(matchesPattern({ detail: { state: [{ exists: true }] } }, withCCountObject)).toBe(false);
  });

  test('exists:false matches an event without detail.c-count', () => {
    expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, pending)).toBe(true);
  });

  test('exists:false matches when c-count is an object: exists only sees leaf nodes', () => {
    expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, withCCountObject)).toBe(true);
    expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, withCCountObject)).toBe(false);
  });

  test('exists:false does not match when the leaf is present', () => {
    expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, rulerSample)).toBe(false);
  });

  test('exists:false matches when a parent is a leaf or missing (observed on AWS)', () => {
    const pattern = { detail: { level1: { level2: { level3: { level4: [{ exists: false }] } } } } };
    expect(matchesPattern(pattern, withDetail({ level1: { level2: 'l2 value' } }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ level1: { level2: { level3: { level4: 'l4 value' } } } }))).toBe(false);
    expect(matchesPattern(pattern, { source: 'x' })).toBe(true);
  });

  test('a null value exists; an empty array does not', () => {
    expect(matchesValue([{ exists: true }], null)).toBe(true);
    expect(matchesValue([{ exists: true }], [])).toBe(false);
    expect(matchesValue([{ exists: false }], [])).toBe(true);
  });

  test('exists:false inside an array of objects looks at every element', () => {
    const event = { items: [{ id: 1, flag: 'x' }, { id: 2 }] };
    expect(matchesPattern({ items: { flag: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesPattern({ items: { unknown: [{ exists: false }] } }, event)).toBe(true);
  });
});

describe('$or', () => {
  test('Location is "New York", or Day is "Monday"', () => {
    const pattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
    expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Monday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Friday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Friday' })).toBe(false);
  });

  test('source AND (metricName OR namespace)', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency', namespace: 'AWS/RDS' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/ES' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/RDS' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
  });

  test('$or nested in detail, over numeric conditions (documented complex example)', () => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matchesPattern(pattern, withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 1 }))).toBe(false);
  });

  test('an $or branch can hold an AND of several fields', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
        { scope: ['Service'] },
      ],
    };
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/RDS' })).toBe(false);
  });

  test('nested $or inside an $or branch', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    };
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2', spaceId: 1000 })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2', spaceId: 1 })).toBe(false);
  });

  test('parallel $or at two levels: both must hold', () => {
    const pattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(matchesPattern(pattern, { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } })).toBe(true);
    expect(matchesPattern(pattern, { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } })).toBe(false);
  });
});

describe('rules the project deploys, against AWS sample events', () => {
  const alarm = fixture('cloudwatch-alarm-state-change.json');
  const guardDuty = fixture('guardduty-finding.json');
  const inspector = fixture('inspector2-finding.json');

  const alarmRule = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] };
  const guardDutyRule = { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] };
  const inspectorRule = { source: ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'] };

  test.each([
    ['CloudWatch alarm rule', alarmRule, 'alarm', true],
    ['CloudWatch alarm rule', alarmRule, 'guardduty', false],
    ['CloudWatch alarm rule', alarmRule, 'inspector', false],
    ['GuardDuty rule', guardDutyRule, 'alarm', false],
    ['GuardDuty rule', guardDutyRule, 'guardduty', true],
    ['GuardDuty rule', guardDutyRule, 'inspector', false],
    ['Inspector2 rule', inspectorRule, 'alarm', false],
    ['Inspector2 rule', inspectorRule, 'guardduty', false],
    ['Inspector2 rule', inspectorRule, 'inspector', true],
  ])('%s vs the %s sample event → %s', (_rule, pattern, name, expected) => {
    const events: Record<string, Json> = { alarm, guardduty: guardDuty, inspector };
    expect(matchesPattern(pattern, events[name])).toBe(expected);
  });

  test('the sample events are shaped as documented', () => {
    expect(((alarm['detail'] as Json)['state'] as Json)['value']).toBe('ALARM');
    expect((guardDuty['detail'] as Json)['severity']).toBe(8);
    expect((inspector['detail'] as Json)['severity']).toBe('HIGH');
    expect((inspector['detail'] as Json)['status']).toBe('ACTIVE');
  });

  test('alarms entering ALARM only: detail.state.value', () => {
    const pattern = { ...alarmRule, detail: { state: { value: ['ALARM'] } } };
    expect(matchesPattern(pattern, alarm)).toBe(true);
    const ok = structuredClone(alarm);
    ((ok['detail'] as Json)['state'] as Json)['value'] = 'OK';
    expect(matchesPattern(pattern, ok)).toBe(false);
  });

  test('alarm rule on a metric nested in an array: configuration.metrics.metricStat.metric.namespace', () => {
    const pattern = { ...alarmRule, detail: { configuration: { metrics: { metricStat: { metric: { namespace: ['AWS/EC2'] } } } } } };
    expect(matchesPattern(pattern, alarm)).toBe(true);
  });

  test('GuardDuty guide example: severity 5.0 or 8.0 matches severity 8', () => {
    const pattern = { ...guardDutyRule, detail: { severity: [5.0, 8.0] } };
    expect(matchesPattern(pattern, guardDuty)).toBe(true);
  });

  test('GuardDuty high severity with numeric >= 7', () => {
    const pattern = { ...guardDutyRule, detail: { severity: [{ numeric: ['>=', 7] }] } };
    expect(matchesPattern(pattern, guardDuty)).toBe(true);
    const medium = structuredClone(guardDuty);
    (medium['detail'] as Json)['severity'] = 5.3;
    expect(matchesPattern(pattern, medium)).toBe(false);
  });

  test('Inspector2 active HIGH or CRITICAL findings', () => {
    const pattern = { ...inspectorRule, detail: { severity: ['HIGH', 'CRITICAL'], status: ['ACTIVE'] } };
    expect(matchesPattern(pattern, inspector)).toBe(true);
    const closed = structuredClone(inspector);
    (closed['detail'] as Json)['status'] = 'CLOSED';
    expect(matchesPattern(pattern, closed)).toBe(false);
  });

  test('Inspector2 resource type through the detail.resources array', () => {
    const lambda = { ...inspectorRule, detail: { resources: { type: ['AWS_LAMBDA_FUNCTION'] } } };
    const ec2 = { ...inspectorRule, detail: { resources: { type: ['AWS_EC2_INSTANCE'] } } };
    expect(matchesPattern(lambda, inspector)).toBe(true);
    expect(matchesPattern(ec2, inspector)).toBe(false);
  });

  test('the project rules are valid patterns', () => {
    expect(validatePattern(alarmRule)).toEqual([]);
    expect(validatePattern(guardDutyRule)).toEqual([]);
    expect(validatePattern(inspectorRule)).toEqual([]);
  });

  test('a compiled rule can be reused across events', () => {
    const isAlarm = compilePattern(alarmRule);
    expect([alarm, guardDuty, inspector].map(isAlarm)).toEqual([true, false, false]);
  });
});

describe('validatePattern: documented patterns are valid', () => {
  test.each<[string, unknown]>([
    ['prefix', { time: [{ prefix: '2017-10-02' }] }],
    ['prefix ignoring case', { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }],
    ['suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }],
    ['anything-but list of numbers', { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }],
    ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }],
    ['anything-but wildcard', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }],
    ['anything-but equals-ignore-case list', { state: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] }],
    ['numeric', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }],
    ['cidr', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }],
    ['exists', { detail: { 'c-count': [{ exists: false }] } }],
    ['wildcard', { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }],
    ['null and empty', { UserID: [null], LastName: [''] }],
    ['$or', { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] }],
  ])('%s', (_name, pattern) => {
    expect(validatePattern(pattern)).toEqual([]);
  });
});

describe('validatePattern: malformed patterns', () => {
  const problemsOf = (pattern: unknown): string => validatePattern(pattern).join('\n');

  test.each<[string, unknown, RegExp]>([
    ['root is not an object', ['aws.ec2'], /Filter is not an object/],
    ['root is null', null, /Filter is not an object/],
    ['invalid JSON text', '{"source": [', /not valid JSON/],
    ['empty pattern', {}, /Empty objects are not allowed/],
    ['leaf is not an array', { source: 'aws.ec2' }, /source: "source" must be an object or an array/],
    ['leaf is a number', { detail: { severity: 8 } }, /detail\.severity: "severity" must be an object or an array/],
    ['empty array', { source: [] }, /source: Empty arrays are not allowed/],
    ['nested array value', { source: [['aws.ec2']] }, /source\[0\]: Match value must be String, number, true, false, or null/],
    ['empty nested object', { detail: {} }, /detail: Empty objects are not allowed/],
    ['unknown operator', { detail: { type: [{ contains: 'Normal' }] } }, /detail\.type\[0\]: Unrecognized match type "contains"/],
    ['two operators in one expression', { x: [{ prefix: 'a', suffix: 'b' }] }, /Only one key allowed in match expression/],
    ['empty match expression', { x: [{}] }, /Match expression name not found/],
    ['prefix not a string', { x: [{ prefix: 5 }] }, /prefix match pattern must be a string/],
    ['prefix with another operator inside', { x: [{ prefix: { wildcard: 'a*' } }] }, /Unsupported prefix pattern: wildcard/],
    ['equals-ignore-case not a string', { x: [{ 'equals-ignore-case': ['a'] }] }, /equals-ignore-case match pattern must be a string/],
    ['exists not a boolean', { x: [{ exists: 'true' }] }, /exists match pattern must be either true or false/],
  ])('%s', (_name, pattern, problem) => {
    expect(problemsOf(pattern)).toMatch(problem);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an array (observed on AWS)', { numeric: 10 }, /Value of numeric must be an array/],
    ['unknown operator', { numeric: ['!=', 1] }, /Unrecognized numeric range operator: !=/],
    ['operator not a string', { numeric: [5, '>'] }, /Invalid member in numeric match: 5/],
    ['value not a number', { numeric: ['>', '5'] }, /Value of > must be numeric/],
    ['upper bound first, then a lower bound', { numeric: ['<', 10, '>', 0] }, /Too many elements in numeric expression/],
    ['two lower bounds', { numeric: ['>', 0, '>=', 5] }, /Bad numeric range operator: >=/],
    ['"=" with a range', { numeric: ['=', 5, '<', 10] }, /Too many elements in numeric expression/],
    ['bottom not below top', { numeric: ['>', 5, '<', 5] }, /Bottom must be less than top/],
    ['too many terms', { numeric: ['>', 0, '<', 5, '<', 6] }, /Too many terms/],
    ['missing upper value', { numeric: ['>', 0, '<'] }, /upper bound/],
    ['out of range', { numeric: ['>', 6e9] }, /between -5\.0e9 and 5\.0e9/],
    ['more than six decimals', { numeric: ['=', 0.1234567] }, /at most 6/],
    ['empty', { numeric: [] }, /operator and a number/],
  ])('numeric: %s', (_name, matcher, problem) => {
    expect(problemsOf({ detail: { x: [matcher] } })).toMatch(problem);
  });

  test.each<[string, unknown, RegExp]>([
    ['mixed strings and numbers', { 'anything-but': ['a', 1] }, /either all values are numbers or all are strings/],
    ['null in the list (observed on AWS)', { 'anything-but': ['stopped', null] }, /only strings or numbers/],
    ['empty list', { 'anything-but': [] }, /mixed or empty lists/],
    ['a boolean', { 'anything-but': true }, /Value of anything-but must be/],
    ['empty prefix (observed on AWS)', { 'anything-but': { prefix: '' } }, /Empty prefix is not allowed/],
    ['empty suffix (observed on AWS)', { 'anything-but': { suffix: '' } }, /Empty suffix is not allowed/],
    ['numeric prefix (observed on AWS)', { 'anything-but': { prefix: 5 } }, /must be a string or an array of strings/],
    ['prefix with equals-ignore-case (observed on AWS)', { 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }, /must be a string or an array of strings/],
    ['an unsupported operator', { 'anything-but': { numeric: ['>', 1] } }, /Unsupported anything-but pattern: numeric/],
    ['two operators', { 'anything-but': { prefix: 'a', suffix: 'b' } }, /exactly one of/],
    ['a bad wildcard', { 'anything-but': { wildcard: ['a**'] } }, /Consecutive wildcard characters/],
    ['an out-of-range number', { 'anything-but': [1, 1e10] }, /between -5\.0e9 and 5\.0e9/],
  ])('anything-but: %s', (_name, matcher, problem) => {
    expect(problemsOf({ detail: { x: [matcher] } })).toMatch(problem);
  });

  test.each<[string, unknown, RegExp]>([
    ['consecutive wildcards', { wildcard: 'a**b' }, /Consecutive wildcard characters at pos 2/],
    ['escape of another character', { wildcard: 'a\\b' }, /Invalid escape character at pos 2/],
    ['trailing backslash', { wildcard: 'ab\\' }, /Invalid escape character at pos 3/],
    ['not a string', { wildcard: 5 }, /wildcard match pattern must be a string/],
  ])('wildcard: %s', (_name, matcher, problem) => {
    expect(problemsOf({ detail: { x: [matcher] } })).toMatch(problem);
  });

  test.each<[string, unknown, RegExp]>([
    ['no slash', { cidr: '10.0.0.1' }, /one '\/' required/],
    ['mask not an integer (observed on AWS)', { cidr: 'bad-/64filter' }, /mask bits must be an integer/],
    ['bad address (observed on AWS)', { cidr: 'xx.11.xx/8' }, /Invalid IP address: xx\.11\.xx/],
    ['octet above 255', { cidr: '10.0.0.256/24' }, /Invalid IP address: 10\.0\.0\.256/],
    ['IPv4 mask too large', { cidr: '10.0.0.0/33' }, /IPv4 mask bits must be < 32/],
    ['IPv6 mask too large', { cidr: '2001:db8::/128' }, /IPv6 mask bits must be < 128/],
    ['bad IPv6 address (observed on AWS)', { cidr: 'xxxx:db8:1234:1a00::/64' }, /Invalid IP address/],
    ['two "::" in an IPv6 address', { cidr: '2001:db8::1::/64' }, /Invalid IP address/],
    ['not a string (observed on AWS)', { cidr: ['bad-type'] }, /cidr match pattern must be a string/],
  ])('cidr: %s', (_name, matcher, problem) => {
    expect(problemsOf({ detail: { x: [matcher] } })).toMatch(problem);
  });

  test.each<[string, unknown, RegExp]>([
    ['a single branch', { $or: [{ a: ['1'] }] }, /at least 2 objects/],
    ['not an array', { $or: { a: ['1'] } }, /\$or must be followed by an array/],
    ['a branch that is not an object', { $or: [{ a: ['1'] }, ['b']] }, /\$or\[1\]: Only JSON objects are allowed/],
    ['a reserved keyword as a field name', { $or: [{ numeric: ['1'] }, { prefix: ['abc'] }] }, /"numeric" is a reserved keyword/],
    ['an invalid matcher inside a branch', { $or: [{ a: ['1'] }, { b: [{ numeric: ['>'] }] }] }, /\$or\[1\]\.b\[0\]\.numeric: Value of > must be numeric/],
  ])('$or: %s', (_name, pattern, problem) => {
    expect(problemsOf(pattern)).toMatch(problem);
  });

  test('every problem is reported, each with its location', () => {
    const problems = validatePattern({ source: 'aws.ec2', detail: { a: [], b: [{ contains: 'x' }] } });
    expect(problems).toEqual([
      'source: "source" must be an object or an array',
      'detail.a: Empty arrays are not allowed',
      'detail.b[0]: Unrecognized match type "contains"',
    ]);
  });

  test('matchesPattern refuses a malformed pattern with the problems listed', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' }, ec2Terminated)).toThrow(InvalidEventPatternError);
    try {
      matchesPattern({ detail: { x: [{ numeric: ['<', 10, '>', 0] }] } }, ec2Terminated);
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidEventPatternError);
      expect((e as InvalidEventPatternError).problems).toEqual([
        'detail.x[0].numeric: Too many elements in numeric expression',
      ]);
    }
  });
});
