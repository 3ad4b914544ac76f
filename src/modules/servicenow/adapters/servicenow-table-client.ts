import { ServiceNowRateLimitedError, ServiceNowRefusedError, type JournalRow, type ServiceNowRecord, type ServiceNowTable } from '../app/ports';

/** How we sign in: basic (the integration user) or an OAuth application's client credentials. */
export type ServiceNowCredentials =
  | { readonly type: 'basic'; readonly user: string; readonly password: string }
  | { readonly type: 'oauth-client-credentials'; readonly clientId: string; readonly clientSecret: string };

export interface ServiceNowTableClientOptions {
  readonly instanceUrl: string;
  /** Read on first use and again after a 401 (a rotated secret); the source caches it. */
  readonly credentials: () => Promise<ServiceNowCredentials>;
  /** A 429 whose Retry-After is at most this is waited out once; a longer one fails the call (the outbox retries it). @default 1000 */
  readonly maxRetryWaitMs?: number;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

const RECORD_QUERY = 'sysparm_exclude_reference_link=true&sysparm_display_value=false';

/**
 * The client's instance through its REST Table API (`/api/now/table/{table}`): every value a
 * string, reference fields as their sys_id (`sysparm_exclude_reference_link=true`), raw values
 * rather than display values (so dates are UTC `YYYY-MM-DD HH:MM:SS`). A 429 is honoured:
 * waited out when short, else thrown as ServiceNowRateLimitedError so the outbox item stays and
 * is retried in order. A refused write (4xx) is ServiceNowRefusedError, with the instance's
 * `error.message` and `error.detail` (a data policy names the mandatory fields there).
 */
export class ServiceNowTableClient implements ServiceNowTable {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: ServiceNowTableClientOptions) {}

  async get(table: string, sysId: string): Promise<ServiceNowRecord | undefined> {
    const response = await this.call('GET', `/api/now/table/${table}/${sysId}?${RECORD_QUERY}`);
    if (response.status === 404) return undefined;
    return ((await this.json(response)) as { result: ServiceNowRecord }).result;
  }

  async findByCorrelation(table: string, correlationId: string): Promise<ServiceNowRecord | undefined> {
    const query = encodeURIComponent(`correlation_id=${correlationId}`);
    const response = await this.call('GET', `/api/now/table/${table}?sysparm_query=${query}&sysparm_limit=1&${RECORD_QUERY}`);
    return ((await this.json(response)) as { result: ServiceNowRecord[] }).result[0];
  }

  async create(table: string, fields: Readonly<Record<string, string>>): Promise<ServiceNowRecord> {
    const response = await this.call('POST', `/api/now/table/${table}?${RECORD_QUERY}`, fields);
    return ((await this.json(response)) as { result: ServiceNowRecord }).result;
  }

  async update(table: string, sysId: string, fields: Readonly<Record<string, string>>): Promise<ServiceNowRecord> {
    const response = await this.call('PATCH', `/api/now/table/${table}/${sysId}?${RECORD_QUERY}`, fields);
    return ((await this.json(response)) as { result: ServiceNowRecord }).result;
  }

  async list(table: string, query: string, limit: number): Promise<readonly ServiceNowRecord[]> {
    const response = await this.call('GET', `/api/now/table/${table}?sysparm_query=${encodeURIComponent(query)}&sysparm_limit=${limit}&${RECORD_QUERY}`);
    return ((await this.json(response)) as { result: ServiceNowRecord[] }).result;
  }

  async journalSince(sysId: string, since: string): Promise<readonly JournalRow[]> {
    const query = encodeURIComponent(`element_id=${sysId}^sys_created_on>=${since}^ORDERBYsys_created_on`);
    const rows: JournalRow[] = [];
    for (let offset = 0; ; offset += 100) {
      const response = await this.call(
        'GET',
        `/api/now/table/sys_journal_field?sysparm_query=${query}&sysparm_fields=sys_id,element,value,sys_created_on,sys_created_by&sysparm_limit=100&sysparm_offset=${offset}`,
      );
      const page = ((await this.json(response)) as { result: Record<string, string>[] }).result;
      for (const row of page) {
        if (row['element'] !== 'comments' && row['element'] !== 'work_notes') continue;
        rows.push({ sysId: row['sys_id']!, element: row['element'], value: row['value'] ?? '', createdOn: row['sys_created_on']!, createdBy: row['sys_created_by'] ?? '' });
      }
      if (page.length < 100) return rows;
    }
  }

  async updatedSince(table: string, since: string, page: { readonly limit: number; readonly offset: number }): Promise<readonly ServiceNowRecord[]> {
    const query = encodeURIComponent(`sys_updated_on>=${since}^ORDERBYsys_updated_on`);
    const response = await this.call(
      'GET',
      `/api/now/table/${table}?sysparm_query=${query}&sysparm_fields=sys_id,number,sys_mod_count,sys_updated_on,correlation_id&sysparm_limit=${page.limit}&sysparm_offset=${page.offset}&${RECORD_QUERY}`,
    );
    return ((await this.json(response)) as { result: ServiceNowRecord[] }).result;
  }

  private async call(method: string, path: string, body?: unknown, retried = false): Promise<Response> {
    const response = await fetch(`${this.options.instanceUrl}${path}`, {
      method,
      headers: { Accept: 'application/json', Authorization: await this.authorization(), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (response.status === 429) {
      const waitSeconds = retryAfterSeconds(response);
      await response.arrayBuffer();
      if (!retried && waitSeconds * 1000 <= (this.options.maxRetryWaitMs ?? 1000)) {
        await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
        return this.call(method, path, body, true);
      }
      throw new ServiceNowRateLimitedError(waitSeconds);
    }
    if (response.status === 401 && !retried) {
      // A rotated password or an expired token: read the credentials again, once.
      await response.arrayBuffer();
      this.token = undefined;
      return this.call(method, path, body, true);
    }
    if (response.status === 404 && method === 'GET') return response;
    if (response.status >= 400 && response.status < 500) throw new ServiceNowRefusedError(response.status, await errorReason(response));
    if (!response.ok) throw new Error(`ServiceNow answered ${response.status} to ${method} ${path.split('?')[0]}: ${await errorReason(response)}`);
    return response;
  }

  private async json(response: Response): Promise<unknown> {
    return response.json();
  }

  private async authorization(): Promise<string> {
    const credentials = await this.options.credentials();
    if (credentials.type === 'basic') return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    if (this.token && this.token.expiresAt > Date.now() + 30_000) return `Bearer ${this.token.value}`;
    const response = await fetch(`${this.options.instanceUrl}/oauth_token.do`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }).toString(),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw new Error(`ServiceNow refused the OAuth client credentials (${response.status})`);
    const token = (await response.json()) as { access_token: string; expires_in?: number };
    this.token = { value: token.access_token, expiresAt: Date.now() + (token.expires_in ?? 1800) * 1000 };
    return `Bearer ${this.token.value}`;
  }
}

/** Retry-After in seconds (or an HTTP date); X-RateLimit-Reset (epoch seconds) when it is absent. */
function retryAfterSeconds(response: Response): number {
  const header = response.headers.get('retry-after');
  if (header && /^\d+$/.test(header)) return Number(header);
  if (header && Number.isFinite(Date.parse(header))) return Math.max(0, Math.ceil((Date.parse(header) - Date.now()) / 1000));
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Math.floor(Date.now() / 1000)) : 1;
}

/** `{"error":{"message","detail"},"status":"failure"}` as one line. */
async function errorReason(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error?: { message?: string; detail?: string } };
    return [error?.message, error?.detail].filter(Boolean).join(': ') || text.slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}
