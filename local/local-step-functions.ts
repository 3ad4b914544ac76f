import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TemplateStateMachine } from './template-model';

/**
 * Step Functions, locally: state machines taken from the synthesized template run in-process on
 * aws-local-stepfunctions (Amazon States Language, JSONPath), with each Task run by the stack's
 * own function (the one its Resource names) through a local invoker. Functions start executions
 * with the real SFN client, pointed here by AWS_ENDPOINT_URL_SFN.
 *
 * Time: `timeScale` makes waits that many times shorter, in step with the functions' scaled clock
 * (`ITSM_TIME_SCALE`). Executions are kept in a file; the ones still running when the runtime
 * stopped start again from their input at the next start (their task decides from stored state,
 * so re-running is safe), which is how pending clocks survive a restart.
 */

// aws-local-stepfunctions needs Promise.withResolvers (Node 22); Node 20 lacks it.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const MAX_TIMER_MS = 2_147_483_000;

export type TaskInvoker = (functionId: string, payload: unknown) => Promise<unknown>;

export interface LocalExecutionOptions {
  readonly machine: TemplateStateMachine;
  readonly input: unknown;
  readonly invoke: TaskInvoker;
  /**
   * Real milliseconds to wait until a Wait state's timestamp. Tests return 0 and move their clock
   * to the timestamp instead. Undefined leaves the wait to the engine (real time).
   */
  readonly waitMs?: (timestamp: string) => number;
  /** Retry intervals, in real ms. @default the definition's */
  readonly retryIntervalMs?: number;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  /** States entered: what Standard workflows bill as state transitions. */
  readonly transitions: number;
  readonly statesEntered: readonly string[];
}

export interface RunningExecution {
  readonly result: Promise<LocalExecutionResult>;
  abort(): void;
}

/**
 * Constructed state machines, one per definition: construction validates the definition, about
 * 100 ms of CPU on the runtime's main thread, which every start would otherwise block (and with it
 * every request the runtime is answering). Each run gets its own overrides, so one instance serves all.
 */
const constructed = new WeakMap<object, InstanceType<typeof import('aws-local-stepfunctions').StateMachine>>();

/** Runs one execution of a template state machine. */
export function runLocalExecution(options: LocalExecutionOptions): RunningExecution {
  // Loaded lazily, after the polyfill above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');
  const { machine } = options;
  const states = machine.definition.States as Record<string, Record<string, unknown>>;
  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  /** What the last task wrote, placed at its ResultPath: Wait states read their timestamp from it. */
  let lastWritten: Record<string, unknown> = {};
  for (const [stateName, functionId] of Object.entries(machine.taskFunctions)) {
    const resultPath = (states[stateName]?.['ResultPath'] as string | undefined) ?? '$';
    taskHandlers[stateName] = async (payload) => {
      const result = await options.invoke(functionId, payload);
      lastWritten = placeAt(resultPath, result);
      return result as never;
    };
  }
  const waitOverrides: Record<string, number> = {};
  if (options.waitMs) {
    const waitMs = options.waitMs;
    for (const [stateName, state] of Object.entries(states)) {
      if (state['Type'] !== 'Wait' || typeof state['TimestampPath'] !== 'string') continue;
      const path = state['TimestampPath'];
      Object.defineProperty(waitOverrides, stateName, {
        enumerable: true,
        get: () => {
          const timestamp = readAt(path, lastWritten);
          return typeof timestamp === 'string' ? Math.max(0, waitMs(timestamp)) : undefined;
        },
      });
    }
  }
  const retryOverrides: Record<string, number> = {};
  if (options.retryIntervalMs !== undefined) {
    for (const [stateName, state] of Object.entries(states)) if (state['Retry']) retryOverrides[stateName] = options.retryIntervalMs;
  }

  let stateMachine = constructed.get(machine.definition);
  if (!stateMachine) {
    // A copy: the library writes defaults into the definition it is given (QueryLanguage on every
    // state), and the definition is also what /_local/state-machines serves as the template's.
    stateMachine = new StateMachine(structuredClone(machine.definition) as never, { validationOptions: { checkArn: false } });
    constructed.set(machine.definition, stateMachine);
  }
  const execution = stateMachine.run(options.input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, waitTimeOverrides: waitOverrides, retryIntervalOverrides: retryOverrides },
  });
  const statesEntered: string[] = [];
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') statesEntered.push((event as { state: { name: string } }).state.name);
    }
  })().catch(() => undefined);
  const result = execution.result.then(
    async (output): Promise<LocalExecutionResult> => {
      await counting;
      return { status: 'SUCCEEDED', output, transitions: statesEntered.length, statesEntered };
    },
    async (error: Error): Promise<LocalExecutionResult> => {
      await Promise.race([counting, new Promise((r) => setTimeout(r, 50))]);
      const aborted = error?.name === 'ExecutionAbortedError';
      return { status: aborted ? 'ABORTED' : 'FAILED', error: String(error?.message ?? error), transitions: statesEntered.length, statesEntered };
    },
  );
  return { result, abort: () => execution.abort() };
}

/** `$.a.b` → { a: { b: value } }; `$` → the value itself (as an object). */
function placeAt(path: string, value: unknown): Record<string, unknown> {
  const parts = path === '$' ? [] : path.replace(/^\$\./, '').split('.');
  let placed: unknown = value;
  for (const part of parts.reverse()) placed = { [part]: placed };
  return (placed && typeof placed === 'object' ? placed : {}) as Record<string, unknown>;
}

function readAt(path: string, from: unknown): unknown {
  const parts = path === '$' ? [] : path.replace(/^\$\./, '').split('.');
  let current: unknown = from;
  for (const part of parts) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[part] : undefined;
  return current;
}

// ---------------------------------------------------------------------------------------------
// The service: StartExecution / DescribeExecution over the AWS JSON protocol, executions kept in a file
// ---------------------------------------------------------------------------------------------

export interface LocalExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  stopDate?: string;
  output?: string;
  error?: string;
  transitions?: number;
}

export interface LocalStepFunctionsOptions {
  readonly machines: readonly TemplateStateMachine[];
  readonly region: string;
  readonly invoke: TaskInvoker;
  /** Where executions are kept across restarts. */
  readonly file: string;
  /** Waits run this many times faster. @default 1 */
  readonly timeScale?: number;
  /** The functions' virtual clock (same scale and origin as theirs). */
  readonly now: () => Date;
  readonly onError?: (line: string) => void;
  /** Replaces the scaled wait (tests that move a virtual clock to each timestamp and return 0). */
  readonly waitMs?: (timestamp: string) => number;
}

export class LocalStepFunctions {
  private readonly executions = new Map<string, LocalExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
  /** Started (answered) but not running yet: they run right after the answer. */
  private readonly starting = new Set<string>();
  private stopped = false;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly options: LocalStepFunctionsOptions,
  ) {}

  static async start(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
    let instance: LocalStepFunctions | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const { status, payload } = instance!.handle(String(req.headers['x-amz-target'] ?? ''), body);
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    instance = new LocalStepFunctions(server, `http://127.0.0.1:${port}`, options);
    instance.load();
    return instance;
  }

  /** Starts again the executions that were running when the runtime last stopped (call once the functions are up). */
  resumePending(): number {
    const pending = this.list().filter((r) => r.status === 'RUNNING' && !this.running.has(r.executionArn));
    for (const record of pending) {
      const machine = this.options.machines.find((m) => this.arnOf(m) === record.stateMachineArn);
      if (machine) this.run(machine, record);
    }
    return pending.length;
  }

  /** Resolves once no execution is running (tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0 || this.starting.size > 0) {
      if (this.starting.size > 0) await new Promise((r) => setImmediate(r));
      await Promise.all([...this.running.values()].map((e) => e.result));
    }
  }

  /** The state machines served (from the template). */
  get machines(): readonly TemplateStateMachine[] {
    return this.options.machines;
  }

  /** Every execution, newest last. */
  list(): LocalExecutionRecord[] {
    return [...this.executions.values()];
  }

  arnOf(machine: TemplateStateMachine): string {
    return `arn:aws:states:${this.options.region}:000000000000:stateMachine:${machine.logicalId}`;
  }

  private handle(target: string, body: string): { status: number; payload: unknown } {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return fault('SerializationException', 'The body is not JSON');
    }
    const action = target.replace(/^AWSStepFunctions\./, '');
    if (action === 'StartExecution') return this.startExecution(request);
    if (action === 'DescribeExecution') {
      const found = this.list().find((e) => e.executionArn === request['executionArn']);
      return found ? { status: 200, payload: describe(found) } : fault('ExecutionDoesNotExist', `Execution does not exist: ${String(request['executionArn'])}`);
    }
    return fault('UnknownOperationException', `${action} is not emulated locally (StartExecution, DescribeExecution are)`);
  }

  private startExecution(request: Record<string, unknown>): { status: number; payload: unknown } {
    const machine = this.options.machines.find((m) => this.arnOf(m) === request['stateMachineArn']);
    if (!machine) return fault('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(request['stateMachineArn'])}'`);
    const name = typeof request['name'] === 'string' ? request['name'] : crypto.randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) return fault('InvalidName', `Invalid Name: '${name}'`);
    const input = typeof request['input'] === 'string' ? request['input'] : '{}';
    const executionArn = `arn:aws:states:${this.options.region}:000000000000:execution:${machine.logicalId}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As Step Functions: the same name and input is the same start (idempotent); another input is refused.
      if (existing.input === input && existing.status === 'RUNNING') return { status: 200, payload: { executionArn, startDate: epoch(existing.startDate) } };
      return fault('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: LocalExecutionRecord = {
      executionArn,
      stateMachineArn: this.arnOf(machine),
      name,
      input,
      startDate: this.options.now().toISOString(),
      status: 'RUNNING',
    };
    this.executions.set(executionArn, record);
    // Kept before answering (a restart resumes it), then run after the answer: Step Functions
    // answers StartExecution at once, it never runs the first state on the caller's time.
    this.save(record);
    this.starting.add(executionArn);
    setImmediate(() => {
      this.starting.delete(executionArn);
      if (!this.stopped && !this.running.has(executionArn)) this.run(machine, record);
    });
    return { status: 200, payload: { executionArn, startDate: epoch(record.startDate) } };
  }

  private run(machine: TemplateStateMachine, record: LocalExecutionRecord): void {
    const scale = this.options.timeScale ?? 1;
    const execution = runLocalExecution({
      machine,
      input: JSON.parse(record.input),
      invoke: this.options.invoke,
      // Timers hold at most 2^31-1 ms (~24.8 days): a longer wait wakes early, and the task answers the same deadline again.
      waitMs: this.options.waitMs ?? ((timestamp) => Math.min(MAX_TIMER_MS, Math.ceil((Date.parse(timestamp) - this.options.now().getTime()) / scale) + 1)),
      ...(scale !== 1 && { retryIntervalMs: Math.max(20, Math.round(2000 / scale)) }),
    });
    this.running.set(record.executionArn, execution);
    void execution.result.then((result) => {
      this.running.delete(record.executionArn);
      // Aborted by a stop of the runtime: still RUNNING, resumed at the next start.
      if (this.stopped || result.status === 'ABORTED') return;
      record.status = result.status;
      record.stopDate = this.options.now().toISOString();
      record.transitions = result.transitions;
      if (result.output !== undefined) record.output = JSON.stringify(result.output);
      if (result.error) {
        record.error = result.error;
        this.options.onError?.(`${record.name} failed: ${result.error}`);
      }
      this.save(record);
    });
  }

  /** The file is a journal: one line per change of an execution, the last line of each wins. */
  private load(): void {
    if (!existsSync(this.options.file)) return;
    const text = readFileSync(this.options.file, 'utf8');
    const records = text.trimStart().startsWith('[')
      ? (JSON.parse(text) as LocalExecutionRecord[])
      : text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LocalExecutionRecord);
    for (const record of records) this.executions.set(record.executionArn, record);
  }

  /** Appends the record's state: O(1) per change, where rewriting every execution grew with each start. */
  private save(record: LocalExecutionRecord): void {
    appendFileSync(this.options.file, `${JSON.stringify(record)}\n`);
  }

  /** Rewrites the journal with one line per execution (at stop, so it does not grow without end). */
  private compact(): void {
    const temporary = `${this.options.file}.tmp`;
    writeFileSync(temporary, this.list().map((r) => `${JSON.stringify(r)}\n`).join(''));
    renameSync(temporary, this.options.file);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const execution of this.running.values()) execution.abort();
    this.running.clear();
    if (this.executions.size > 0) this.compact();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

function describe(record: LocalExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epoch(record.startDate),
    ...(record.stopDate && { stopDate: epoch(record.stopDate) }),
    input: record.input,
    ...(record.output && { output: record.output }),
    ...(record.error && { error: 'States.TaskFailed', cause: record.error }),
  };
}

const epoch = (iso: string) => Date.parse(iso) / 1000;

function fault(type: string, message: string) {
  return { status: 400, payload: { __type: type, message } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
  });
}
