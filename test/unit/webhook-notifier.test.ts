import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Notification, Notifier } from '../../src/kernel/app/ports';
import { SecretsManagerSecretSource } from '../../src/kernel/adapters/secrets-manager-secret-source';
import { FanOutNotifier, SIGNATURE_HEADER, WebhookNotifier, webhookSignature } from '../../src/kernel/adapters/webhook-notifier';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:acme/webhook-AbCdEf';
const NOW = new Date('2026-11-26T10:00:00Z');
const notification = (topic: Notification['topic'] = 'major-incident'): Notification => ({
  topic,
  subject: 'INC0000042: major incident',
  message: 'Payments are down',
  recipients: [{ name: 'Priya Shah', email: 'priya@example.com' }],
  attributes: { client: 'acme', priority: 'P1' },
});

/** A real HTTP endpoint that records what it receives and answers `status`. */
async function endpoint(status = 204): Promise<{ url: string; received: { headers: IncomingHttpHeaders; body: string }[]; server: Server }> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

test('the webhook receives the notification signed with the key from the secret; receivers can verify it and its timestamp', async () => {
  const hook = await endpoint();
  try {
    const reads: string[] = [];
    const notifier = new WebhookNotifier({ url: hook.url, secretArn: SECRET_ARN, topics: ['major-incident', 'security'] }, { secretString: async (arn) => (reads.push(arn), 's3cr3t-key') }, { now: () => NOW });
    await notifier.notify(notification());
    await notifier.notify(notification('escalation')); // not one of its topics
    expect(hook.received).toHaveLength(1);
    const [{ headers, body }] = hook.received as [{ headers: IncomingHttpHeaders; body: string }];
    expect(JSON.parse(body)).toEqual({ topic: 'major-incident', subject: 'INC0000042: major incident', message: 'Payments are down', attributes: { client: 'acme', priority: 'P1' }, sentAt: NOW.toISOString() });
    // Recipients' contact details stay on SNS; the client's endpoint gets the incident facts.
    expect(body).not.toContain('priya@example.com');
    const timestamp = Math.floor(NOW.getTime() / 1000);
    const expected = `t=${timestamp},v1=${createHmac('sha256', 's3cr3t-key').update(`${timestamp}.${body}`).digest('hex')}`;
    expect(headers[SIGNATURE_HEADER.toLowerCase()]).toBe(expected);
    expect(webhookSignature('another-key', timestamp, body)).not.toBe(expected);
    expect(reads).toEqual([SECRET_ARN]);
  } finally {
    hook.server.close();
  }
});

test('an endpoint that refuses fails the webhook notification', async () => {
  const hook = await endpoint(500);
  try {
    const notifier = new WebhookNotifier({ url: hook.url, secretArn: SECRET_ARN, topics: ['major-incident'] }, { secretString: async () => 'k' }, { now: () => NOW });
    await expect(notifier.notify(notification())).rejects.toThrow(/answered 500/);
  } finally {
    hook.server.close();
  }
});

test('fan-out: SNS first; a webhook failure is reported, never thrown; an SNS failure is thrown and the webhook not called', async () => {
  const calls: string[] = [];
  const ok = (name: string): Notifier => ({ notify: async () => void calls.push(name) });
  const failing = (name: string): Notifier => ({
    notify: async () => {
      calls.push(name);
      throw new Error(`${name} down`);
    },
  });
  const reported: string[] = [];
  await new FanOutNotifier(ok('sns'), failing('webhook'), (error) => reported.push((error as Error).message)).notify(notification());
  expect(calls).toEqual(['sns', 'webhook']);
  expect(reported).toEqual(['webhook down']);
  calls.length = 0;
  await expect(new FanOutNotifier(failing('sns'), ok('webhook'), () => undefined).notify(notification())).rejects.toThrow('sns down');
  expect(calls).toEqual(['sns']);
});

test('the Secrets Manager source reads a secret once and serves it from cache until maxAge (GetSecretValue over the JSON protocol)', async () => {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      targets.push(`${req.headers['x-amz-target']} ${JSON.parse(body).SecretId}`);
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ ARN: SECRET_ARN, Name: 'acme/webhook', SecretString: 'rotated-key-1', VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const source = new SecretsManagerSecretSource(client);
    expect(await source.secretString(SECRET_ARN)).toBe('rotated-key-1');
    expect(await source.secretString(SECRET_ARN)).toBe('rotated-key-1');
    expect(await source.secretString(SECRET_ARN)).toBe('rotated-key-1');
    expect(targets).toEqual([`secretsmanager.GetSecretValue ${SECRET_ARN}`]);
    // With no cache, every read goes to Secrets Manager.
    const uncached = new SecretsManagerSecretSource(client, 0);
    await uncached.secretString(SECRET_ARN);
    await uncached.secretString(SECRET_ARN);
    expect(targets).toHaveLength(3);
  } finally {
    client.destroy();
    server.close();
  }
});
