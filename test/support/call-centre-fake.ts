import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/kernel/adapters/webhook-notifier';
import { EVENT_ID_HEADER } from '../../src/modules/oncall/adapters';

/** One page the call centre accepted. */
export interface AcceptedPage {
  readonly eventId: string;
  readonly body: Record<string, any>;
}

/**
 * A stateful stand-in for a call centre's paging webhook, as a receiver should be written: it
 * verifies `X-Rowe-Itsm-Signature` with the shared key (401 when it is missing, wrong or older
 * than five minutes), requires `X-Rowe-Itsm-Event-Id` (400 without it, or when it differs from the
 * body's `eventId`), and accepts each event id once: a redelivery of an accepted event is answered
 * 200 again but not recorded twice. `failNext(n, status)` makes the next n verified requests
 * fail with that status (e.g. 503, or 400 for a permanent refusal). Listens on the loopback, over http.
 */
export class CallCentreFake {
  /** Every request answered, in order. */
  readonly requests: { readonly eventId: string | undefined; readonly status: number }[] = [];
  private readonly accepted = new Map<string, AcceptedPage>();
  private readonly failures: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly secret: string,
    private readonly clock: () => Date,
  ) {}

  static async start(options: { readonly secret: string; readonly clock?: () => Date }): Promise<CallCentreFake> {
    let fake: CallCentreFake | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new CallCentreFake(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options.secret, options.clock ?? (() => new Date()));
    return fake;
  }

  /** `host:port`, as the local call-centre allow-list names it. */
  get host(): string {
    return new URL(this.url).host;
  }

  failNext(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  /** Pages accepted, one per event id, in the order first accepted. */
  acceptedPages(): AcceptedPage[] {
    return [...this.accepted.values()];
  }

  requestsFor(eventId: string): { readonly eventId: string | undefined; readonly status: number }[] {
    return this.requests.filter((r) => r.eventId === eventId);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const header = req.headers[EVENT_ID_HEADER.toLowerCase()];
    const eventId = typeof header === 'string' ? header : undefined;
    const answer = (status: number, body: Record<string, unknown>) => {
      this.requests.push({ eventId, status });
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return answer(405, { error: 'POST only' });
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
    const verdict = typeof signature === 'string' ? verifyWebhookSignature(this.secret, signature, raw, Math.floor(this.clock().getTime() / 1000), 300) : 'invalid';
    if (verdict !== 'valid') return answer(401, { error: `signature ${verdict}` });
    let body: Record<string, any>;
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      return answer(400, { error: 'body is not JSON' });
    }
    if (!eventId || body['eventId'] !== eventId) return answer(400, { error: `${EVENT_ID_HEADER} missing or not the body's eventId` });
    const failure = this.failures.shift();
    if (failure !== undefined) return answer(failure, { error: 'failing on cue' });
    if (!this.accepted.has(eventId)) this.accepted.set(eventId, { eventId, body });
    return answer(200, { received: eventId });
  }
}
