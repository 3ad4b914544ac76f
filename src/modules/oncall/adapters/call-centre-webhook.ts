import { isIP } from 'node:net';
import { SIGNATURE_HEADER, webhookSignature } from '../../../kernel/adapters/webhook-notifier';

/** Names the delivery: the same for every attempt of one page (the outbox effect's id). */
export const EVENT_ID_HEADER = 'X-Rowe-Itsm-Event-Id';

export interface CallCentrePageRequest {
  /** The outbox effect's id: stable across redeliveries, so the receiver can drop a repeat. */
  readonly eventId: string;
  readonly url: string;
  /** The page the body carries (an object: spread into the body beside `eventId`, `kind` and `sentAt`). */
  readonly page: object;
}

/** `accepted`: 2xx. `refused`: a permanent refusal (a 4xx other than 408/429, a redirect, a forbidden host) that no retry can change. */
export type CallCentreOutcome = 'accepted' | 'refused';

export interface CallCentreRefusal {
  readonly eventId: string;
  readonly url: string;
  readonly reason: string;
  readonly status?: number;
}

export interface CallCentreWebhookOptions {
  /** The HMAC key pages are signed with (Secrets Manager in AWS, an environment value locally). */
  readonly signingKey: () => Promise<string>;
  readonly clock: { now(): Date };
  /** A call centre that does not answer within this is retried by the outbox. */
  readonly timeoutMs?: number;
  /**
   * `host:port` (or host) pairs that may be called over http and on loopback or private addresses:
   * the local runtime's and tests' fake call centres only. The stack never sets it.
   * @default none
   */
  readonly localHosts?: readonly string[];
  /** Told of every permanent refusal (the function counts and logs it). */
  readonly onRefused?: (refusal: CallCentreRefusal) => void;
}

/**
 * POSTs a page to a call centre's webhook, signed as the client webhook is
 * (`X-Rowe-Itsm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), with the event id
 * in `X-Rowe-Itsm-Event-Id` and in the body. Throws when a retry may succeed (5xx, 408, 429, a
 * timeout, a network error): the effect stays in the outbox. Answers `refused` for a permanent
 * refusal, and refuses itself, without a request, a URL that is not https or whose host is an IP
 * literal in a loopback, private, link-local or unspecified range (SSRF). Redirects are not followed.
 */
export class CallCentreWebhook {
  constructor(private readonly options: CallCentreWebhookOptions) {}

  async send(request: CallCentrePageRequest): Promise<CallCentreOutcome> {
    const forbidden = forbiddenDestination(request.url, this.options.localHosts ?? []);
    if (forbidden) return this.refuse({ eventId: request.eventId, url: request.url, reason: forbidden });
    const timestamp = Math.floor(this.options.clock.now().getTime() / 1000);
    const body = JSON.stringify({ eventId: request.eventId, kind: 'page', sentAt: new Date(timestamp * 1000).toISOString(), ...request.page });
    const response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: webhookSignature(await this.options.signingKey(), timestamp, body),
        [EVENT_ID_HEADER]: request.eventId,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    await response.body?.cancel();
    if (response.ok) return 'accepted';
    if (isRetryable(response.status)) throw new Error(`Call centre webhook ${request.url} answered ${response.status}: retried`);
    return this.refuse({ eventId: request.eventId, url: request.url, status: response.status, reason: `answered ${response.status}` });
  }

  private refuse(refusal: CallCentreRefusal): CallCentreOutcome {
    this.options.onRefused?.(refusal);
    return 'refused';
  }
}

const isRetryable = (status: number) => status >= 500 || status === 408 || status === 429;

/** Why a page may not be sent to `url`, or undefined when it may. */
export function forbiddenDestination(url: string, localHosts: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (localHosts.includes(parsed.host) || localHosts.includes(parsed.hostname)) return undefined;
  if (parsed.protocol !== 'https:') return 'not https';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) return 'a loopback host';
  const family = isIP(host);
  if (family === 4 && isInternalIpv4(host)) return `an internal address (${host})`;
  if (family === 6 && isInternalIpv6(host)) return `an internal address (${host})`;
  return undefined;
}

/** 0/8, 10/8, 100.64/10 (shared), 127/8, 169.254/16 (link-local, instance metadata), 172.16/12, 192.168/16. */
function isInternalIpv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
}

/** ::, ::1, fc00::/7 (unique local), fe80::/10 (link-local), and IPv4-mapped addresses by their IPv4 range. */
function isInternalIpv6(address: string): boolean {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isInternalIpv4(mapped[1]!);
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const high = parseInt(hexMapped[1]!, 16);
    const low = parseInt(hexMapped[2]!, 16);
    return isInternalIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  if (lower === '::' || lower === '::1') return true;
  const first = parseInt(lower.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}
