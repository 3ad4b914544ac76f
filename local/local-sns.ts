import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for SNS locally: the functions publish with the real SNS client (AWS Query protocol),
 * pointed here by AWS_ENDPOINT_URL_SNS, and each message lands in an outbox file instead of
 * being delivered — delivery is the one part that cannot run offline.
 */
export interface OutboxMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: unknown;
  readonly attributes: Record<string, string>;
  readonly publishedAt: string;
}

export class LocalSns {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly outboxFile: string,
  ) {}

  static async start(outboxFile: string): Promise<LocalSns> {
    let instance: LocalSns | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const requestId = randomUUID();
        if (params.get('Action') !== 'Publish' || !params.get('TopicArn')) {
          res.writeHead(400, { 'Content-Type': 'text/xml' });
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Only Publish to a topic is emulated locally</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
          return;
        }
        const subjectProblem = refusedSubject(params.get('Subject'));
        if (subjectProblem) {
          res.writeHead(400, { 'Content-Type': 'text/xml' });
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: Subject ${subjectProblem}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
          return;
        }
        const messageId = randomUUID();
        instance!.record({
          messageId,
          topicArn: params.get('TopicArn')!,
          ...(params.get('Subject') && { subject: params.get('Subject')! }),
          message: parseMaybeJson(params.get('Message') ?? ''),
          attributes: attributesOf(params),
          publishedAt: new Date().toISOString(),
        });
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    instance = new LocalSns(server, `http://127.0.0.1:${port}`, outboxFile);
    return instance;
  }

  private record(message: OutboxMessage): void {
    appendFileSync(this.outboxFile, `${JSON.stringify(message)}\n`);
  }

  /** Everything published so far, oldest first (kept across restarts). */
  messages(): OutboxMessage[] {
    if (!existsSync(this.outboxFile)) return [];
    return readFileSync(this.outboxFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as OutboxMessage);
  }

  stop(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

function attributesOf(params: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
    attributes[params.get(`MessageAttributes.entry.${i}.Name`)!] = params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
  }
  return attributes;
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What SNS says of a subject it refuses: line breaks, control characters, 100 characters or more. */
export function refusedSubject(subject: string | null): string | undefined {
  if (subject === null) return undefined;
  if (subject.length === 0 || subject.length >= 100) return 'must be less than 100 characters long';
  if (/[\u0000-\u001f\u007f]/.test(subject)) return 'must not contain line breaks or control characters';
  if (/[^\x20-\x7e]/.test(subject)) return 'must be ASCII text';
  return undefined;
}
