import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stateful stand-in for GuardDuty's ArchiveFindings (REST-JSON, as the AWS SDK speaks it):
 * `POST /detector/{detectorId}/findings/archive` with `{"findingIds": [...]}` (1 to 50, SigV4
 * signed), 200 `{}` once every finding is archived (archiving an archived finding is no error);
 * 400 BadRequestException for a detector this account does not own or a finding id the detector
 * does not have (nothing archived then); injectable 500 InternalServerErrorException and 429
 * TooManyRequestsException. Point the SDK at it with AWS_ENDPOINT_URL_GUARDDUTY.
 */
export class GuardDutyFake {
  /** detectorId → findingId → archived. */
  private readonly detectors = new Map<string, Map<string, boolean>>();
  /** Every request answered, in order. */
  readonly requests: { readonly method: string; readonly path: string; readonly findingIds: readonly string[]; readonly status: number }[] = [];
  private readonly failures: { readonly status: 429 | 500 }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<GuardDutyFake> {
    let fake: GuardDutyFake | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new GuardDutyFake(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** A finding GuardDuty reported (active, not archived). */
  addFinding(detectorId: string, findingId: string): void {
    if (!this.detectors.has(detectorId)) this.detectors.set(detectorId, new Map());
    this.detectors.get(detectorId)!.set(findingId, false);
  }

  isArchived(detectorId: string, findingId: string): boolean | undefined {
    return this.detectors.get(detectorId)?.get(findingId);
  }

  /** The next `count` requests fail with `status` (500 InternalServerErrorException, 429 TooManyRequestsException). */
  failNext(count: number, status: 429 | 500 = 500): void {
    for (let i = 0; i < count; i++) this.failures.push({ status });
  }

  /** ArchiveFindings calls that GuardDuty answered 200 for this finding. */
  archiveCallsFor(findingId: string): number {
    return this.requests.filter((r) => r.status === 200 && r.findingIds.includes(findingId)).length;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    let findingIds: string[] = [];
    const answer = (status: number, body: Record<string, unknown>, errorType?: string) => {
      this.requests.push({ method: req.method ?? '', path, findingIds, status });
      res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': `req-${this.requests.length}`, ...(errorType && { 'x-amzn-ErrorType': errorType }) });
      res.end(JSON.stringify(errorType ? { __type: errorType, message: body['message'], Type: status < 500 ? 'User' : 'Server' } : body));
    };
    const route = /^\/detector\/([^/]+)\/findings\/archive$/.exec(path);
    if (req.method !== 'POST' || !route) return answer(404, { message: `No operation at ${req.method} ${path}` }, 'BadRequestException');
    if (!String(req.headers['authorization'] ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      return answer(403, { message: 'Missing Authentication Token' }, 'AccessDeniedException');
    }
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { findingIds?: unknown };
      findingIds = Array.isArray(body.findingIds) ? body.findingIds.map(String) : [];
    } catch {
      return answer(400, { message: 'The request is rejected because the JSON could not be processed.' }, 'BadRequestException');
    }
    const failure = this.failures.shift();
    if (failure?.status === 500) return answer(500, { message: 'The request is rejected since an internal server error occurred.' }, 'InternalServerErrorException');
    if (failure?.status === 429) return answer(429, { message: 'Rate exceeded' }, 'TooManyRequestsException');
    if (findingIds.length < 1 || findingIds.length > 50) {
      return answer(400, { message: 'The request is rejected because an invalid or out-of-range value is specified as an input parameter.' }, 'BadRequestException');
    }
    const detector = this.detectors.get(decodeURIComponent(route[1]!));
    if (!detector) return answer(400, { message: 'The request is rejected because the input detectorId is not owned by the current account.' }, 'BadRequestException');
    if (findingIds.some((id) => !detector.has(id))) {
      return answer(400, { message: 'The request is rejected because one or more input findingIds are invalid.' }, 'BadRequestException');
    }
    for (const id of findingIds) detector.set(id, true);
    return answer(200, {});
  }
}
