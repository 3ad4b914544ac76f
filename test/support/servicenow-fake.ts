import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stateful stand-in for a ServiceNow instance's Table API (`/api/now/table/{table}`), speaking
 * the documented protocol: bodies `{"result": …}`, every value a string, `sys_id` (32 hex),
 * `number`, `sys_mod_count` (+1 per write), `sys_updated_on` (`YYYY-MM-DD HH:MM:SS`, UTC);
 * reference fields as `{link, value}` unless `sysparm_exclude_reference_link=true`; journal
 * fields (`comments`, `work_notes`) never stored on the record but appended to
 * `sys_journal_field`; basic auth; a data policy making `close_code` and `close_notes` mandatory
 * when an incident's `state` becomes 6 (Resolved); the change approval engine (a `change_request`
 * whose `approval` becomes `requested` gets one `sysapproval_approver` row per client approver;
 * their votes decide the record's `approval`: any rejection rejects, all approvals approve);
 * knowledge articles (`kb_knowledge`: numbered KB…, `workflow_state` from `draft`, their knowledge
 * base mandatory); a `sys_id` given on insert kept (a second insert of it refused);
 * injectable 429s and 5xx, and writes whose answer is lost (done, then 502); and a business rule
 * that POSTs `{"table","sys_id","sys_mod_count"}`, signed, to a webhook after every write
 * (ours included, as an instance whose rule fires on every update would).
 */

export type SnRecord = Record<string, string>;

/** A `contract_sla` on incidents, with its conditions on the incident's `state` (1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled). */
export interface SlaDefinition {
  readonly name: string;
  readonly target: 'response' | 'resolution';
  readonly durationSeconds: number;
  readonly stopStates: readonly string[];
  readonly pauseStates?: readonly string[];
  readonly cancelStates?: readonly string[];
}

export const DEFAULT_SLA_DEFINITIONS: readonly SlaDefinition[] = [
  { name: 'Incident response (1 hour)', target: 'response', durationSeconds: 3600, stopStates: ['2', '3', '6', '7'], cancelStates: ['8'] },
  { name: 'Incident resolution (8 hours)', target: 'resolution', durationSeconds: 8 * 3600, stopStates: ['6', '7'], pauseStates: ['3'], cancelStates: ['8'] },
];

export interface ServiceNowFakeOptions {
  readonly user?: string;
  readonly password?: string;
  /** The business rule's target; without it no rule fires. */
  readonly webhook?: { readonly url: string; readonly secret: string };
  /** The instance's clock; second precision is applied by the fake. */
  readonly now?: () => Date;
  /**
   * The SLA definitions (`contract_sla`) the SLA engine attaches to every incident as a `task_sla`.
   * @default a 1-hour response (stops when the incident leaves New) and an 8-hour resolution (paused On Hold, stops at Resolved/Closed)
   */
  readonly slaDefinitions?: readonly SlaDefinition[];
  /** Users (`sys_user.user_name`) the approval engine asks to approve each change request. @default ['carol.client'] */
  readonly changeApprovers?: readonly string[];
}

interface InjectedFailure {
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

const JOURNAL_FIELDS = new Set(['comments', 'work_notes']);
/** Reference fields of the task tables the fake knows (values are sys_ids of other records). */
const REFERENCE_FIELDS = new Set(['assignment_group', 'assigned_to', 'caller_id', 'opened_by', 'cmdb_ci', 'approver', 'sysapproval', 'task', 'sla', 'requested_by']);
/** The tables the client installs the business rule on (docs/servicenow.md). */
const RULE_TABLES = new Set(['incident', 'change_request', 'task_sla']);
/** A new record's defaults, as the dictionary has them. */
const DEFAULTS: Readonly<Record<string, SnRecord>> = {
  incident: { state: '1', impact: '3', urgency: '3' },
  problem: { state: '1', impact: '3', urgency: '3' },
  change_request: { state: '-5', approval: 'not requested', impact: '3', risk: '3', type: 'normal' },
  sysapproval_approver: { state: 'requested' },
  kb_knowledge: { workflow_state: 'draft' },
};
/** Fields a record of the table cannot be stored without (the dictionary's mandatory fields). */
const MANDATORY: Readonly<Record<string, readonly string[]>> = {
  kb_knowledge: ['kb_knowledge_base', 'short_description'],
};
const KB_WORKFLOW_STATES = new Set(['draft', 'review', 'published', 'pending_retirement', 'retired', 'outdated']);
/** Who the instance's own engines write as (approval engine, SLA engine). */
const SYSTEM_USER = 'system';
const NUMBER_PREFIX: Readonly<Record<string, { prefix: string; start: number }>> = {
  incident: { prefix: 'INC', start: 10001 },
  change_request: { prefix: 'CHG', start: 30001 },
  problem: { prefix: 'PRB', start: 40001 },
  kb_knowledge: { prefix: 'KB', start: 10001 },
};
const SYSTEM_FIELDS = new Set(['sys_id', 'number', 'sys_mod_count', 'sys_updated_on', 'sys_created_on', 'sys_created_by', 'sys_updated_by']);

export const snDateTime = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

export class ServiceNowFake {
  /** table → sys_id → record. */
  readonly tables = new Map<string, Map<string, SnRecord>>();
  /** Every request the API answered (method, path with query, status), in order. */
  readonly requests: { readonly method: string; readonly url: string; readonly status: number; readonly user?: string }[] = [];
  /** Every business-rule call made, with the status our webhook answered. */
  readonly ruleCalls: { readonly body: string; readonly status: number | 'error' }[] = [];
  /** When false the business rule does not fire (a lost webhook). */
  ruleEnabled = true;
  private readonly failures: InjectedFailure[] = [];
  private lostWriteAnswers = 0;
  private readonly counters = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private webhook: { readonly url: string; readonly secret: string } | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: ServiceNowFakeOptions,
  ) {
    this.webhook = options.webhook;
  }

  static async start(options: ServiceNowFakeOptions = {}): Promise<ServiceNowFake> {
    let fake: ServiceNowFake | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new ServiceNowFake(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  get user(): string {
    return this.options.user ?? 'rowe.integration';
  }

  setWebhook(webhook: { readonly url: string; readonly secret: string } | undefined): void {
    this.webhook = webhook;
  }

  /** The next `count` API requests answer `status` (429 with Retry-After and X-RateLimit-* headers). */
  failNext(count: number, status: number, retryAfterSeconds = 1): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, retryAfterSeconds });
  }

  /** The next `count` writes (POST, PATCH) are done, but answered 502, as a gateway timing out after the instance committed. */
  loseNextWriteAnswers(count: number): void {
    this.lostWriteAnswers += count;
  }

  /** Business-rule calls still in flight, awaited. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async stop(): Promise<void> {
    await this.settled();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // -- Direct access, as a person working in the instance's UI would write -------------------

  record(table: string, sysId: string): SnRecord | undefined {
    const record = this.tables.get(table)?.get(sysId);
    return record && { ...record };
  }

  records(table: string): SnRecord[] {
    return [...(this.tables.get(table)?.values() ?? [])].map((r) => ({ ...r }));
  }

  /** Journal rows of a record, oldest first. */
  journal(sysId: string, element?: 'comments' | 'work_notes'): SnRecord[] {
    return this.records('sys_journal_field').filter((row) => row['element_id'] === sysId && (!element || row['element'] === element));
  }

  /** Inserts as `by` (a user of the instance); the business rule fires. */
  insert(table: string, fields: Record<string, string>, by = 'beth.servicedesk'): SnRecord {
    const result = this.write(table, undefined, fields, by);
    if ('error' in result) throw new Error(result.error.message);
    return result.record;
  }

  /** Updates as `by`; the business rule fires. */
  update(table: string, sysId: string, fields: Record<string, string>, by = 'beth.servicedesk'): SnRecord {
    const result = this.write(table, sysId, fields, by);
    if ('error' in result) throw new Error(result.error.message);
    return result.record;
  }

  // -- The Table API ---------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const user = this.authenticatedUser(req);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, status, ...(user && { user }) });
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (!user) return answer(401, failure('User Not Authenticated', 'Required to provide Auth information'));
    const failure_ = this.failures.shift();
    if (failure_) {
      const reset = Math.floor(this.now().getTime() / 1000) + (failure_.retryAfterSeconds ?? 1);
      return failure_.status === 429
        ? answer(429, failure('Too Many Requests', 'Rate limit exceeded'), {
            'Retry-After': String(failure_.retryAfterSeconds ?? 1),
            'X-RateLimit-Limit': '100',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(reset),
          })
        : answer(failure_.status, failure('Server Error', 'Injected failure'));
    }
    const match = /^\/api\/now\/table\/([a-z0-9_]+)(?:\/([0-9a-f]{32}))?$/.exec(url.pathname);
    if (!match) return answer(400, failure('Invalid URL', url.pathname));
    const [, table, sysId] = match as unknown as [string, string, string | undefined];
    const params = url.searchParams;
    const shape = (record: SnRecord) => this.shape(record, params);
    if (req.method === 'GET') {
      if (sysId) {
        const record = this.tables.get(table)?.get(sysId);
        return record ? answer(200, { result: shape(record) }) : answer(404, failure('No Record found', 'Record doesn\'t exist or ACL restricts the record retrieval'));
      }
      const offset = Number(params.get('sysparm_offset') ?? 0);
      const limit = Number(params.get('sysparm_limit') ?? 10_000);
      const rows = query([...(this.tables.get(table)?.values() ?? [])], params.get('sysparm_query') ?? '');
      return answer(200, { result: rows.slice(offset, offset + limit).map(shape) }, { 'X-Total-Count': String(rows.length) });
    }
    if (req.method !== 'POST' && req.method !== 'PATCH' && req.method !== 'PUT') return answer(405, failure('Method not Supported', req.method ?? ''));
    if ((req.method === 'POST') !== (sysId === undefined)) return answer(400, failure('Invalid request', 'POST a table, PATCH a record'));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(400, failure('Exception while reading request', 'The payload is not valid JSON.'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return answer(400, failure('Invalid request', 'The payload must be an object'));
    const fields: Record<string, string> = {};
    // An insert may name its sys_id (the instance keeps it); every other system field is the instance's own.
    const givenSysId = req.method === 'POST' ? (body as Record<string, unknown>)['sys_id'] : undefined;
    if (givenSysId !== undefined && (typeof givenSysId !== 'string' || !/^[0-9a-f]{32}$/.test(givenSysId))) return answer(400, failure('Invalid request', 'sys_id must be 32 hex digits'));
    if (typeof givenSysId === 'string' && this.tables.get(table)?.has(givenSysId)) return answer(403, failure('Operation Failed', `Unique Key violation detected by database ((conn=0) Duplicate entry '${givenSysId}' for key 'PRIMARY')`));
    for (const [name, value] of Object.entries(body)) {
      if (SYSTEM_FIELDS.has(name)) continue;
      fields[name] = value === null ? '' : typeof value === 'object' ? String((value as { value?: unknown }).value ?? '') : String(value);
    }
    if (sysId && !this.tables.get(table)?.has(sysId)) return answer(404, failure('No Record found', 'Record doesn\'t exist or ACL restricts the record update'));
    const result = this.write(table, sysId, fields, user, typeof givenSysId === 'string' ? givenSysId : undefined);
    if ('error' in result) return answer(403, failure(result.error.message, result.error.detail));
    if (this.lostWriteAnswers > 0) {
      this.lostWriteAnswers--;
      return answer(502, failure('Bad Gateway', 'Injected lost answer: the write was done'));
    }
    return answer(sysId ? 200 : 201, { result: shape(result.record) }, sysId ? {} : { Location: `${this.url}/api/now/table/${table}/${result.record['sys_id']}` });
  }

  private authenticatedUser(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    const password = rest.join(':');
    return user === this.user && password === (this.options.password ?? 'secret') ? user : undefined;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private write(table: string, sysId: string | undefined, fields: Record<string, string>, by: string, newId?: string): { record: SnRecord } | { error: { message: string; detail: string } } {
    const rows = this.tables.get(table) ?? new Map<string, SnRecord>();
    this.tables.set(table, rows);
    const at = snDateTime(this.now());
    const current = sysId ? rows.get(sysId)! : undefined;
    const journal = Object.entries(fields).filter(([name, value]) => JOURNAL_FIELDS.has(name) && value !== '');
    const plain = Object.fromEntries(Object.entries(fields).filter(([name]) => !JOURNAL_FIELDS.has(name)));
    const next: SnRecord = current
      ? { ...current, ...plain, sys_mod_count: String(Number(current['sys_mod_count']) + 1), sys_updated_on: at, sys_updated_by: by }
      : {
          ...DEFAULTS[table],
          ...plain,
          sys_id: newId ?? newSysId(),
          number: this.nextNumber(table),
          sys_mod_count: '0',
          sys_created_on: at,
          sys_created_by: by,
          sys_updated_on: at,
          sys_updated_by: by,
        };
    // The data policy: resolving needs a close code and close notes.
    if (table === 'incident' && next['state'] === '6' && current?.['state'] !== '6' && (!next['close_code'] || !next['close_notes'])) {
      const missing = ['close_code', 'close_notes'].filter((f) => !next[f]).join(', ');
      return { error: { message: 'Operation Failed', detail: `Data Policy Exception: \n\tThe following fields are mandatory: ${missing}` } };
    }
    const missing = (MANDATORY[table] ?? []).filter((f) => !next[f]);
    if (missing.length > 0) return { error: { message: 'Operation Failed', detail: `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}` } };
    if (table === 'kb_knowledge' && !KB_WORKFLOW_STATES.has(next['workflow_state'] ?? '')) {
      return { error: { message: 'Operation Failed', detail: `Invalid workflow_state ${next['workflow_state']}` } };
    }
    if (!current && !next['number']) delete next['number'];
    rows.set(next['sys_id']!, next);
    for (const [element, value] of journal) {
      const journalRows = this.tables.get('sys_journal_field') ?? new Map<string, SnRecord>();
      this.tables.set('sys_journal_field', journalRows);
      const id = newSysId();
      journalRows.set(id, { sys_id: id, element_id: next['sys_id']!, element, name: table, value, sys_created_on: at, sys_created_by: by });
    }
    this.fireRule(table, next);
    this.afterWrite(table, current, next);
    return { record: next };
  }

  /** The instance's engines, run after a write as its business rules would (their writes fire the rule too). */
  private afterWrite(table: string, before: SnRecord | undefined, after: SnRecord): void {
    if (table === 'incident') this.runSlaEngine(after, !before);
    if (table === 'change_request' && after['approval'] === 'requested' && before?.['approval'] !== 'requested') this.requestApprovals(after);
    if (table === 'sysapproval_approver' && after['state'] !== before?.['state'] && after['source_table'] === 'change_request') this.decideApproval(after['sysapproval']!);
  }

  /** The approval engine asks each client approver: one `sysapproval_approver` row each, `requested`. */
  private requestApprovals(change: SnRecord): void {
    for (const userName of this.options.changeApprovers ?? ['carol.client']) {
      const user = this.userOf(userName);
      this.write('sysapproval_approver', undefined, { approver: user['sys_id']!, state: 'requested', sysapproval: change['sys_id']!, document_id: change['sys_id']!, source_table: 'change_request' }, SYSTEM_USER);
    }
  }

  /** Any rejection rejects (the rows still open are no longer required); every approval approves. */
  private decideApproval(changeSysId: string): void {
    const change = this.tables.get('change_request')?.get(changeSysId);
    if (!change || change['approval'] !== 'requested') return;
    const rows = this.records('sysapproval_approver').filter((r) => r['sysapproval'] === changeSysId && r['state'] !== 'not_required' && r['state'] !== 'cancelled');
    const rejected = rows.some((r) => r['state'] === 'rejected');
    if (rejected) {
      for (const row of rows.filter((r) => r['state'] === 'requested')) this.write('sysapproval_approver', row['sys_id'], { state: 'not_required' }, SYSTEM_USER);
      this.write('change_request', changeSysId, { approval: 'rejected' }, SYSTEM_USER);
    } else if (rows.length > 0 && rows.every((r) => r['state'] === 'approved')) {
      this.write('change_request', changeSysId, { approval: 'approved' }, SYSTEM_USER);
    }
  }

  /**
   * The SLA engine: a new incident gets one `task_sla` per definition (in_progress, planned end =
   * start + duration); its state then stops (completed), cancels, pauses or resumes each, the
   * planned end moving by the time paused. `percentage` is the share of the duration used.
   */
  private runSlaEngine(incident: SnRecord, created: boolean): void {
    const now = this.now();
    const at = snDateTime(now);
    const state = incident['state'] ?? '';
    for (const definition of this.options.slaDefinitions ?? DEFAULT_SLA_DEFINITIONS) {
      const sla = this.contractSla(definition);
      const open = this.records('task_sla').find((r) => r['task'] === incident['sys_id'] && r['sla'] === sla['sys_id'] && (r['stage'] === 'in_progress' || r['stage'] === 'paused'));
      if (!open) {
        if (created && !definition.stopStates.includes(state)) {
          const due = snDateTime(new Date(Date.parse(`${at.replace(' ', 'T')}Z`) + definition.durationSeconds * 1000));
          this.write('task_sla', undefined, { task: incident['sys_id']!, sla: sla['sys_id']!, stage: 'in_progress', start_time: at, planned_end_time: due, end_time: '', pause_time: '', pause_duration: '0', has_breached: 'false', percentage: '0.00', business_percentage: '0.00' }, SYSTEM_USER);
        }
        continue;
      }
      const used = this.slaUse(open, definition, now);
      if (definition.stopStates.includes(state)) this.write('task_sla', open['sys_id'], { stage: 'completed', end_time: at, ...used }, SYSTEM_USER);
      else if (definition.cancelStates?.includes(state)) this.write('task_sla', open['sys_id'], { stage: 'cancelled', end_time: at, ...used }, SYSTEM_USER);
      else if (definition.pauseStates?.includes(state) && open['stage'] === 'in_progress') this.write('task_sla', open['sys_id'], { stage: 'paused', pause_time: at, ...used }, SYSTEM_USER);
      else if (!definition.pauseStates?.includes(state) && open['stage'] === 'paused') {
        const paused = Math.max(0, Math.round((now.getTime() - Date.parse(`${open['pause_time']!.replace(' ', 'T')}Z`)) / 1000));
        const due = snDateTime(new Date(Date.parse(`${open['planned_end_time']!.replace(' ', 'T')}Z`) + paused * 1000));
        this.write('task_sla', open['sys_id'], { stage: 'in_progress', pause_time: '', pause_duration: String(Number(open['pause_duration'] ?? 0) + paused), planned_end_time: due }, SYSTEM_USER);
      }
    }
  }

  /** The scheduled "SLA update" job: running task_slas get their percentage and breach flag brought up to now. */
  tickSlas(): void {
    const definitions = this.options.slaDefinitions ?? DEFAULT_SLA_DEFINITIONS;
    for (const row of this.records('task_sla').filter((r) => r['stage'] === 'in_progress')) {
      const definition = definitions.find((d) => this.contractSla(d)['sys_id'] === row['sla']);
      if (!definition) continue;
      const used = this.slaUse(row, definition, this.now());
      if (used.percentage !== row['percentage'] || used.has_breached !== row['has_breached']) this.write('task_sla', row['sys_id'], used, SYSTEM_USER);
    }
  }

  private slaUse(row: SnRecord, definition: SlaDefinition, now: Date): { percentage: string; business_percentage: string; has_breached: string } {
    const start = Date.parse(`${row['start_time']!.replace(' ', 'T')}Z`);
    const until = row['stage'] === 'paused' && row['pause_time'] ? Date.parse(`${row['pause_time'].replace(' ', 'T')}Z`) : now.getTime();
    const used = Math.max(0, (until - start) / 1000 - Number(row['pause_duration'] ?? 0));
    const percentage = ((used / definition.durationSeconds) * 100).toFixed(2);
    // A 24x7 schedule: business time is calendar time.
    return { percentage, business_percentage: percentage, has_breached: row['has_breached'] === 'true' || Number(percentage) >= 100 ? 'true' : 'false' };
  }

  private contractSla(definition: SlaDefinition): SnRecord {
    const found = this.records('contract_sla').find((r) => r['name'] === definition.name);
    if (found) return found;
    const hours = Math.floor(definition.durationSeconds / 3600);
    const duration = `1970-01-01 ${String(hours).padStart(2, '0')}:${String(Math.floor((definition.durationSeconds % 3600) / 60)).padStart(2, '0')}:${String(definition.durationSeconds % 60).padStart(2, '0')}`;
    return (this.write('contract_sla', undefined, { name: definition.name, collection: 'incident', target: definition.target, duration, type: 'SLA' }, SYSTEM_USER) as { record: SnRecord }).record;
  }

  /** A `sys_user` by user name, created on first use. */
  userOf(userName: string): SnRecord {
    const found = this.records('sys_user').find((u) => u['user_name'] === userName);
    if (found) return found;
    const result = this.write('sys_user', undefined, { user_name: userName, name: userName }, SYSTEM_USER);
    return (result as { record: SnRecord }).record;
  }

  /** The approval rows of a change request, as an approver sees them in their list. */
  approvalsOf(changeSysId: string): SnRecord[] {
    return this.records('sysapproval_approver').filter((r) => r['sysapproval'] === changeSysId);
  }

  private nextNumber(table: string): string {
    const numbering = NUMBER_PREFIX[table];
    if (!numbering) return '';
    const next = (this.counters.get(table) ?? numbering.start - 1) + 1;
    this.counters.set(table, next);
    return `${numbering.prefix}${String(next).padStart(7, '0')}`;
  }

  private shape(record: SnRecord, params: URLSearchParams): Record<string, unknown> {
    const fields = params.get('sysparm_fields')?.split(',').map((f) => f.trim()).filter(Boolean);
    const excludeLinks = params.get('sysparm_exclude_reference_link') === 'true';
    const names = fields ?? Object.keys(record);
    const shaped: Record<string, unknown> = {};
    for (const name of names) {
      const value = record[name] ?? '';
      shaped[name] = REFERENCE_FIELDS.has(name) && !excludeLinks && value !== '' ? { link: `${this.url}/api/now/table/sys_user_group/${value}`, value } : value;
    }
    return shaped;
  }

  private fireRule(table: string, record: SnRecord): void {
    if (!this.ruleEnabled || !this.webhook || !RULE_TABLES.has(table)) return;
    const { url, secret } = this.webhook;
    const body = JSON.stringify({ table, sys_id: record['sys_id'], sys_mod_count: record['sys_mod_count'] });
    const timestamp = Math.floor(this.now().getTime() / 1000);
    const signature = `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    // An async business rule: the write is answered first, the call is made after it.
    const call = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Rowe-Itsm-Signature': signature }, body });
        await response.arrayBuffer();
        this.ruleCalls.push({ body, status: response.status });
      } catch {
        this.ruleCalls.push({ body, status: 'error' });
      }
    })();
    this.pending.add(call);
    void call.finally(() => this.pending.delete(call));
  }
}

const failure = (message: string, detail: string) => ({ error: { message, detail }, status: 'failure' });
const newSysId = () => randomBytes(16).toString('hex');

/** The `sysparm_query` subset: `a=b`, `a>=b`, `a!=b`, `aISEMPTY` joined by `^`, then `ORDERBY`/`ORDERBYDESC`. */
export function query(rows: readonly SnRecord[], encoded: string): SnRecord[] {
  const filters: ((r: SnRecord) => boolean)[] = [];
  const orders: { field: string; desc: boolean }[] = [];
  for (const term of encoded.split('^').filter(Boolean)) {
    if (term.startsWith('ORDERBYDESC')) orders.push({ field: term.slice(11), desc: true });
    else if (term.startsWith('ORDERBY')) orders.push({ field: term.slice(7), desc: false });
    else if (term.endsWith('ISEMPTY')) {
      const field = term.slice(0, -7);
      filters.push((r) => (r[field] ?? '') === '');
    } else {
      const m = /^([a-z0-9_.]+)(>=|<=|!=|>|<|=)(.*)$/.exec(term);
      if (!m) throw new Error(`Unsupported query term ${term}`);
      const [, field, op, value] = m as unknown as [string, string, string, string];
      const compare = (r: SnRecord) => compareValues(r[field] ?? '', value);
      filters.push(
        op === '='
          ? (r) => (r[field] ?? '') === value
          : op === '!='
            ? (r) => (r[field] ?? '') !== value
            : op === '>='
              ? (r) => compare(r) >= 0
              : op === '<='
                ? (r) => compare(r) <= 0
                : op === '>'
                  ? (r) => compare(r) > 0
                  : (r) => compare(r) < 0,
      );
    }
  }
  const matched = rows.filter((r) => filters.every((f) => f(r)));
  // Stable: records of one second keep insertion order (as sys_created_on ties do there, roughly).
  return orders.length === 0
    ? matched
    : [...matched].sort((a, b) => {
        for (const { field, desc } of orders) {
          const c = compareValues(a[field] ?? '', b[field] ?? '');
          if (c !== 0) return desc ? -c : c;
        }
        return 0;
      });
}

/** Integers (sys_mod_count) compare as numbers, everything else (dates `YYYY-MM-DD HH:MM:SS`) as strings. */
function compareValues(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
