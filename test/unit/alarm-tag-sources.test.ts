import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmTagSource } from '../../src/modules/monitoring/app/ports';
import type { AlarmTags } from '../../src/modules/monitoring/domain/alarm-policy';
import { ALARM_TAG_CACHE_MS, CachingAlarmTagSource } from '../../src/modules/monitoring/adapters/caching-alarm-tag-source';
import { CloudWatchAlarmTagSource } from '../../src/modules/monitoring/adapters/cloudwatch-alarm-tag-source';
import { FileAlarmTagSource } from '../../local/stand-ins/file-alarm-tag-source';

const ARN = 'arn:aws:cloudwatch:eu-west-2:123456789012:alarm:prod-api-5xx';
const OTHER = 'arn:aws:cloudwatch:eu-west-2:123456789012:alarm:disk-full';

/** A fake tag source at the port: counts calls, answers from a table, fails on demand. */
class FakeTagSource implements AlarmTagSource {
  calls: string[] = [];
  failing = false;
  constructor(public tags: Record<string, AlarmTags> = {}) {}
  async tagsOf(alarmArn: string): Promise<AlarmTags> {
    this.calls.push(alarmArn);
    if (this.failing) throw new Error('Throttling: Rate exceeded');
    return this.tags[alarmArn] ?? {};
  }
}

describe('the alarm tag cache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  test('one lookup per alarm within five minutes; the next after that', async () => {
    const source = new FakeTagSource({ [ARN]: { 'itsm:severity': 'error' } });
    const cache = new CachingAlarmTagSource(source, clock);
    expect(await cache.tagsOf(ARN)).toEqual({ 'itsm:severity': 'error' });
    now += ALARM_TAG_CACHE_MS - 1;
    expect(await cache.tagsOf(ARN)).toEqual({ 'itsm:severity': 'error' });
    expect(source.calls).toEqual([ARN]);
    source.tags[ARN] = { 'itsm:severity': 'warning' };
    now += 1;
    expect(await cache.tagsOf(ARN)).toEqual({ 'itsm:severity': 'warning' });
    expect(source.calls).toEqual([ARN, ARN]);
    expect(ALARM_TAG_CACHE_MS).toBe(300_000);
  });

  test('"no tags" is cached too, and each alarm has its own entry', async () => {
    const source = new FakeTagSource({ [ARN]: { 'itsm:service': 'web-shop' } });
    const cache = new CachingAlarmTagSource(source, clock);
    expect(await cache.tagsOf(OTHER)).toEqual({});
    expect(await cache.tagsOf(OTHER)).toEqual({});
    expect(await cache.tagsOf(ARN)).toEqual({ 'itsm:service': 'web-shop' });
    expect(source.calls).toEqual([OTHER, ARN]);
  });

  test('concurrent lookups of one alarm share one call', async () => {
    const source = new FakeTagSource({ [ARN]: { 'itsm:severity': 'error' } });
    const cache = new CachingAlarmTagSource(source, clock);
    const answers = await Promise.all(Array.from({ length: 16 }, () => cache.tagsOf(ARN)));
    expect(answers.every((a) => a['itsm:severity'] === 'error')).toBe(true);
    expect(source.calls).toHaveLength(1);
  });

  test('a failure is passed on and not cached: the next lookup asks again', async () => {
    const source = new FakeTagSource({ [ARN]: { 'itsm:severity': 'error' } });
    const cache = new CachingAlarmTagSource(source, clock);
    source.failing = true;
    await expect(cache.tagsOf(ARN)).rejects.toThrow('Rate exceeded');
    source.failing = false;
    expect(await cache.tagsOf(ARN)).toEqual({ 'itsm:severity': 'error' });
    expect(source.calls).toEqual([ARN, ARN]);
  });
});

/**
 * Emulates CloudWatch's wire protocol as this SDK speaks it (AWS JSON 1.0, target
 * GraniteServiceVersion20100801.<Action>, query-compatible errors) for ListTagsForResource.
 */
describe('the CloudWatch adapter against an emulated CloudWatch endpoint', () => {
  let server: Server;
  let client: CloudWatchClient;
  const requests: { target: string | undefined; body: Record<string, unknown> }[] = [];
  const tagsByArn: Record<string, [string, string][]> = { [ARN]: [['itsm:severity', 'error'], ['itsm:service', 'web-shop'], ['team', 'a&b']] };
  const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => resolve(text));
  });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const request = { target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse((await body(req)) || '{}') as Record<string, unknown> };
      requests.push(request);
      const arn = String(request.body['ResourceARN'] ?? '');
      if (request.target !== 'GraniteServiceVersion20100801.ListTagsForResource' || arn.endsWith(':missing')) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'ResourceNotFound;Sender' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.cloudwatch#ResourceNotFoundException', message: `no alarm ${arn}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ Tags: (tagsByArn[arn] ?? []).map(([Key, Value]) => ({ Key, Value })) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new CloudWatchClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('asks ListTagsForResource for the alarm ARN and answers the tags as key → value', async () => {
    const tags = await new CloudWatchAlarmTagSource(client).tagsOf(ARN);
    expect(tags).toEqual({ 'itsm:severity': 'error', 'itsm:service': 'web-shop', team: 'a&b' });
    expect(requests.at(-1)).toEqual({ target: 'GraniteServiceVersion20100801.ListTagsForResource', body: { ResourceARN: ARN } });
  });

  test('an alarm without tags answers no tags', async () => {
    expect(await new CloudWatchAlarmTagSource(client).tagsOf(OTHER)).toEqual({});
  });

  test('a CloudWatch error rejects (the use case falls back to the name rules)', async () => {
    await expect(new CloudWatchAlarmTagSource(client).tagsOf(`${ARN}:missing`)).rejects.toMatchObject({ name: expect.stringMatching(/ResourceNotFound/) });
  });
});

describe('the local file of alarm tags', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alarm-tags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('answers the tags of the alarm ARN, none for another alarm, and picks up edits at once', async () => {
    const file = join(dir, 'alarm-tags.json');
    writeFileSync(file, JSON.stringify({ [ARN]: { 'itsm:severity': 'error', 'itsm:service': 'web-shop' } }));
    const source = new FileAlarmTagSource(file);
    expect(await source.tagsOf(ARN)).toEqual({ 'itsm:severity': 'error', 'itsm:service': 'web-shop' });
    expect(await source.tagsOf(OTHER)).toEqual({});
    writeFileSync(file, JSON.stringify({ [ARN]: { 'itsm:severity': 'warning' } }));
    expect(await source.tagsOf(ARN)).toEqual({ 'itsm:severity': 'warning' });
  });

  test('a missing file means no tags', async () => {
    expect(await new FileAlarmTagSource(join(dir, 'none.json')).tagsOf(ARN)).toEqual({});
  });

  test('a malformed file is a failed lookup', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ not json');
    await expect(new FileAlarmTagSource(file).tagsOf(ARN)).rejects.toThrow();
    writeFileSync(file, JSON.stringify({ [ARN]: { 'itsm:severity': 3 } }));
    await expect(new FileAlarmTagSource(file).tagsOf(ARN)).rejects.toThrow('string values');
  });
});
