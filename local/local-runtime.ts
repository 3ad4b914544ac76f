import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createLocalApiServer } from './api-gateway-server';
import { seedCatalogue } from './seed-catalogue';
import { ensureTables, LOCAL_AWS_ENV, startDynamoDbLocal, EngineStartError, type RunningEngine } from './dynamodb-engine';
import { FunctionHost } from './function-host';
import { signingKey } from './local-tokens';
import { ROLES } from '../src/kernel/domain/access-policy';
import { synthesizeClient } from './synthesize-stack';
import { createLocalSignIn, LOCAL_SIGN_IN_PATH, LOCAL_SITE_CLIENT_ID, localSiteCookieKey } from './local-site-sign-in';
import { eventRulesOf, functionsOf, secretValuesOf, siteApiBehavioursOf, siteSignInOf, localReferences, rateMilliseconds, resolveEnvironment, routesOf, schedulesOf, stateMachinesOf, tablesOf, type TemplateEventRule, type TemplateRoute, type TemplateSchedule } from './template-model';
import { LocalStepFunctions } from './local-step-functions';
import { LocalSns } from './local-sns';
import { matchesPattern } from './eventbridge-pattern';
import { LocalDeadLetters } from './local-dead-letters';
import { LOCAL_STAND_IN_ENV } from './stand-ins/register-stand-ins';
import { startStreamConsumers, type RunningStreamConsumers } from './local-stream-consumers';
import { createHelpSiteHandler, HELP_PREFIX } from './local-help-site';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { ENV } from '../src/platform/environment-contract';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { outboxPuts } from '../src/modules/outbox/adapters';
import { effectsOf } from '../src/modules/outbox/domain';

/** Lambda retries a failed asynchronous invocation twice before its dead-letter queue. */
const ASYNC_ATTEMPTS = 3;

export type { LocalDeadLetter } from './local-dead-letters';

export interface LocalRuntimeOptions {
  /** @default 3000 */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** Data, token key and build output. */
  readonly localDir: string;
  /** Client whose stack is served. @default example */
  readonly clientId?: string;
  /** Progress lines for a person watching. */
  readonly progress?: (line: string) => void;
  /** Function log lines (Powertools JSON). */
  readonly functionLog?: (functionId: string, line: string) => void;
  /** One line per request served. */
  readonly onRequest?: (line: string) => void;
  /** Keep data in memory only (benchmarks). @default false */
  readonly inMemory?: boolean;
  /**
   * Local time runs this many times faster: the functions' clock and every workflow wait
   * (ITSM_TIME_SCALE). @default 1
   */
  readonly timeScale?: number;
}

export interface LocalRuntime {
  readonly url: string;
  readonly routes: readonly TemplateRoute[];
  readonly schedules: readonly TemplateSchedule[];
  readonly eventRules: readonly TemplateEventRule[];
  readonly functions: FunctionHost;
  readonly dynamoDbEndpoint: string;
  /** Local table name per logical id of the template. */
  readonly tableNames: Readonly<Record<string, string>>;
  readonly stepFunctions: LocalStepFunctions;
  /** The functions' clock: real time, or scaled time when timeScale is not 1. */
  now(): Date;
  stop(): Promise<void>;
}

/**
 * The whole system on one machine: DynamoDB Local with the stack's tables, the stack's functions
 * in worker threads, and an HTTP server in front playing API Gateway. Everything it serves is
 * read from the synthesized template of the client's stack.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const progress = options.progress ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  // Port 0 takes a free port now, not at listen: the functions are told the site's address (its
  // sign-in's cookies name it) before the server listens. The port stays bound (reserved) until the
  // server listens on that same socket: the seconds of synth, engine and bundling in between would
  // let another process, or an outgoing connection, take a port only probed.
  const reservation = options.port === 0 ? await reservePort(host) : undefined;
  const port = reservation ? (reservation.address() as AddressInfo).port : (options.port ?? 3000);
  const dataDir = join(options.localDir, 'dynamodb');
  mkdirSync(options.localDir, { recursive: true });

  if (!reservation) await assertPortFree(host, port);
  const releaseLock = options.inMemory ? () => undefined : acquireLock(dataDir);
  let engine: RunningEngine | undefined;
  let functions: FunctionHost | undefined;
  let sns: LocalSns | undefined;
  let stepFunctions: LocalStepFunctions | undefined;
  let streamConsumers: RunningStreamConsumers | undefined;
  try {
    progress('Synthesizing the client stack…');
    const { config, template } = synthesizeClient(options.clientId ?? 'example');
    const routes = routesOf(template);
    progress(`Starting DynamoDB Local (${options.inMemory ? 'in memory' : `data in ${dataDir}`})…`);
    engine = await startDynamoDbLocal(options.inMemory ? {} : { dataDir });
    const tables = tablesOf(template);
    const tableNames = Object.fromEntries(tables.map((t) => [t.logicalId, t.logicalId]));
    const client = new DynamoDBClient({ endpoint: engine.endpoint, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTables(client, tables);
    // The endpoint, so the tables can be inspected with the AWS CLI or SDK while the runtime runs.
    progress(`Tables ready on ${engine.endpoint}: ${tables.map((t) => t.logicalId).join(', ')}`);
    const catalogueTable = tables.find((t) => t.logicalId.startsWith('DataCatalogueTable'));
    if (catalogueTable && config.services?.length) {
      const seeded = await seedCatalogue(client, tableNames[catalogueTable.logicalId]!, config.services);
      if (seeded > 0) progress(`Service catalogue: ${seeded} example services from clients/${config.id}.json`);
    }
    client.destroy();

    sns = await LocalSns.start(join(options.localDir, 'outbox.jsonl'));
    const references = localReferences(template, config.region);
    // No Secrets Manager here: the values the template gives its secrets (the client contacts), served from this file.
    const secretsFile = join(options.localDir, options.inMemory ? `secrets-${process.pid}.json` : 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify(secretValuesOf(template, config.region)), { mode: 0o600 });

    // One virtual clock for the functions and the workflows. Scaled time never runs backwards
    // across restarts: it resumes from where the last run left it.
    const timeScale = options.timeScale ?? 1;
    const clockFile = join(options.localDir, 'clock.json');
    const realStart = Date.now();
    const lastVirtual = !options.inMemory && existsSync(clockFile) ? Number(JSON.parse(readFileSync(clockFile, 'utf8')).virtualNow) || 0 : 0;
    const virtualStart = timeScale === 1 ? realStart : Math.max(realStart, lastVirtual);
    const now = () => new Date(timeScale === 1 ? Date.now() : virtualStart + (Date.now() - realStart) * timeScale);
    const saveClock = () => {
      if (!options.inMemory && timeScale !== 1) writeFileSync(clockFile, JSON.stringify({ virtualNow: now().getTime() }));
    };
    const clockTimer = setInterval(saveClock, 2000);
    clockTimer.unref();

    let invokeTask: (functionId: string, payload: unknown) => Promise<unknown> = () => Promise.reject(new Error('functions are not up yet'));
    stepFunctions = await LocalStepFunctions.start({
      machines: stateMachinesOf(template, config.region),
      region: config.region,
      invoke: (functionId, payload) => invokeTask(functionId, payload),
      file: join(options.localDir, options.inMemory ? `executions-${process.pid}.json` : 'executions.json'),
      timeScale,
      now,
      onError: (line) => progress(`workflow: ${line}`),
    });
    const baseEnv = {
      ...LOCAL_AWS_ENV,
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
      ...(timeScale !== 1 && { ITSM_TIME_SCALE: String(timeScale), ITSM_TIME_ORIGIN: `${realStart}:${virtualStart}` }),
      // No CloudWatch here: event ingestion reads the alarms' tags from this file instead.
      [LOCAL_STAND_IN_ENV.alarmTagsFile]: join(options.localDir, 'alarm-tags.json'),
      // …and the reports function reads the capacity metrics that actions name from this one.
      [LOCAL_STAND_IN_ENV.capacityMetricsFile]: join(options.localDir, 'capacity-metrics.json'),
      // …and the outbox writes the self-help site into this folder, which the server serves at /help/.
      [LOCAL_STAND_IN_ENV.selfHelpDir]: join(options.localDir, 'help'),
      [LOCAL_STAND_IN_ENV.selfHelpUrl]: `http://${host}${port ? `:${port}` : ''}${HELP_PREFIX}`,
      // No KMS or S3 either: the audit chain is sealed with a local HMAC key and anchored in a file.
      [LOCAL_STAND_IN_ENV.auditSealKeyFile]: join(options.localDir, 'audit-seal-key'),
      // The anchor belongs with the tables it anchors: one per in-memory run.
      [LOCAL_STAND_IN_ENV.auditAnchorFile]: join(options.localDir, options.inMemory ? `audit-anchor-${process.pid}.jsonl` : 'audit-anchor.jsonl'),
      [LOCAL_STAND_IN_ENV.secretsFile]: secretsFile,
      // A ServiceNow instance to exchange incidents with (local/synthesize-stack.ts enables the client's map for it).
      ...Object.fromEntries(
        [
          LOCAL_STAND_IN_ENV.servicenowUser,
          LOCAL_STAND_IN_ENV.servicenowPassword,
          LOCAL_STAND_IN_ENV.servicenowWebhookSecret,
          // …and the call centre that escalation steps' webhook targets page (a fake, on the loopback).
          LOCAL_STAND_IN_ENV.callCentreSecret,
          LOCAL_STAND_IN_ENV.callCentreHosts,
        ].flatMap((name) =>
          process.env[name] ? [[name, process.env[name]!]] : [],
        ),
      ),
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PATH: process.env['PATH'] ?? '',
    };
    // A site behind the client's sign-in: the local key pair stands in for the key group's key and
    // the secret's value, the local token issuer's OAuth face for the hosted UI.
    const siteSignIn = config.selfHelp.site.enabled ? siteSignInOf(template) : undefined;
    const siteCookieKey = siteSignIn ? localSiteCookieKey(options.localDir) : undefined;
    const signInIssuerUrl = `http://${host}:${port}${LOCAL_SIGN_IN_PATH}`;
    const signInEnv: Record<string, string> = siteSignIn && siteCookieKey
      ? {
          [LOCAL_STAND_IN_ENV.siteCookieKeyFile]: siteCookieKey.file,
          [LOCAL_STAND_IN_ENV.siteKeyPairId]: siteSignIn.keyPairIds[0]!,
          [LOCAL_STAND_IN_ENV.signInIssuerUrl]: signInIssuerUrl,
          [LOCAL_STAND_IN_ENV.signInClientId]: LOCAL_SITE_CLIENT_ID,
        }
      : {};
    // The sign-in function's variables that name AWS resources (the secret, the key, the pool's domain and client) have stand-ins above.
    const SIGN_IN_STAND_IN_VARIABLES: readonly string[] = [ENV.selfHelpSigningKeySecret, ENV.selfHelpKeyPairId, ENV.selfHelpSignInDomain, ENV.selfHelpSignInIssuer, ENV.selfHelpSignInClientId];
    const fns = functionsOf(template);
    progress(`Bundling ${fns.length} functions…`);
    functions = await FunctionHost.start({
      functions: fns,
      buildDir: join(options.localDir, 'build'),
      // A test run's runtimes bundle the same source once between them (like the synthesis).
      ...(process.env['ITSM_BUNDLE_CACHE_DIR'] && { bundleCacheDir: process.env['ITSM_BUNDLE_CACHE_DIR'] }),
      environmentOf: (fn) => {
        const resolved = resolveEnvironment(fn.environment, references);
        const { values } = resolved;
        // The site's bucket and address have local stand-ins (the folder above).
        const unresolved = resolved.unresolved.filter((name) => name !== ENV.selfHelpBucket && name !== ENV.selfHelpUrl && !SIGN_IN_STAND_IN_VARIABLES.includes(name));
        if (unresolved.length > 0) progress(`warning: ${fn.logicalId} has no local value for ${unresolved.join(', ')}`);
        const standIns = Object.fromEntries(resolved.unresolved.filter((name) => SIGN_IN_STAND_IN_VARIABLES.includes(name)).map((name) => [name, `local stand-in (${LOCAL_SIGN_IN_PATH})`]));
        return {
          ...standIns,
          ...values,
          ...signInEnv,
          ...baseEnv,
          AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
          POWERTOOLS_LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'WARN',
        };
      },
      ...(options.functionLog && { onLog: options.functionLog }),
      // DynamoDB Local answers TransactWriteItems before its COMMIT has run (SQLiteDBAccess.
      // commitTransaction queues the COMMIT on its single SQLite thread without waiting for it),
      // so a process killed just after the answer loses a transaction it acknowledged; DynamoDB
      // answers after a durable commit. Any later request queues behind that COMMIT: one cheap
      // ListTables after each invocation, before its outcome goes back, makes what a function
      // acknowledged here as durable as it is on AWS. Not needed when nothing outlives the process.
      // Then the stream pollers, which slow down while nothing is written, go back to Lambda's pace.
      afterInvocation: async () => {
        if (!options.inMemory) await engineBarrier(client);
        streamConsumers?.wake();
      },
    });

    const runningSns = sns;
    const schedules = schedulesOf(template);
    const runningHost = functions;
    const runningStepFunctions = stepFunctions;
    invokeTask = async (functionId, payload) => {
      const outcome = await runningHost.invoke(functionId, payload);
      if (outcome.error !== undefined) throw new Error(outcome.error);
      return outcome.result;
    };
    // Event source mappings on the tables' streams (the outbox's consumer), polled as Lambda polls them.
    streamConsumers = await startStreamConsumers({
      template,
      endpoint: engine.endpoint,
      region: config.region,
      tableNames,
      functions,
      ...(!options.inMemory && { checkpointFile: join(options.localDir, 'stream-checkpoints.json'), failuresFile: join(options.localDir, 'stream-failures.jsonl') }),
      onError: (line) => progress(`stream: ${line}`),
    });
    const runningStreams = streamConsumers;
    const resumed = stepFunctions.resumePending();
    if (resumed > 0) progress(`Resumed ${resumed} workflow execution(s) left running`);
    const runSchedule = async (schedule: TemplateSchedule) => {
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString(),
        region: config.region,
        resources: [`arn:aws:events:${config.region}:000000000000:rule/${schedule.logicalId}`],
        detail: {},
      };
      return Promise.all(schedule.functionIds.map((id) => runningHost.invoke(id, event)));
    };
    // Scheduled rules run on their rate, as EventBridge would run them.
    const timers = schedules.flatMap((schedule) => {
      const every = rateMilliseconds(schedule.expression);
      if (!every) return [];
      const timer = setInterval(() => void runSchedule(schedule), every);
      timer.unref();
      return [timer];
    });
    // EventBridge on the default bus: POST /_local/events runs each event through every rule's
    // pattern and invokes the matching rules' functions asynchronously-style (retries, then a
    // local dead-letter store).
    const eventRules = eventRulesOf(template);
    // Kept in .local/ across restarts (not for in-memory runs), like a real queue's messages.
    const deadLetters = new LocalDeadLetters(options.inMemory ? undefined : join(options.localDir, 'dead-letters.jsonl'));
    const deliverEvent = async (event: unknown) => {
      const eventId = (event as { id?: unknown } | null)?.id;
      const matched = eventRules.filter((rule) => matchesPattern(rule.eventPattern, event));
      const errors: { rule: string; functionId: string; error: string }[] = [];
      await Promise.all(
        matched.flatMap((rule) =>
          rule.functionIds.map(async (functionId) => {
            let last: string | undefined;
            for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt++) {
              const outcome = await runningHost.invoke(functionId, event);
              if (outcome.error === undefined) return;
              last = outcome.error;
            }
            errors.push({ rule: rule.logicalId, functionId, error: last! });
            deadLetters.add({ rule: rule.logicalId, functionId, event, error: last!, attempts: ASYNC_ATTEMPTS, at: new Date().toISOString() });
          }),
        ),
      );
      return { eventId: typeof eventId === 'string' ? eventId : null, matchedRules: matched.map((r) => r.logicalId), errors };
    };
    const localDocuments = createDocumentClient(new DynamoDBClient({ endpoint: engine.endpoint, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    // A first build of the self-help site (what is published already), through the same outbox
    // effect a knowledge change stores, when the folder has none yet.
    const incidentsTable = tables.find((t) => t.logicalId.startsWith('DataIncidentsTable'));
    if (config.selfHelp.site.enabled && incidentsTable && !existsSync(join(options.localDir, 'help', 'index.html'))) {
      const [put] = outboxPuts(tableNames[incidentsTable.logicalId]!, effectsOf('self-help-site', 0, [{ kind: 'publish-site', articleId: 'first-build' }]), now().toISOString(), config.retention.outboxItems);
      await localDocuments.send(new PutCommand(put!.Put)).catch((error: Error) => progress(`self-help site: first build not queued (${error.message})`));
    }
    const apiBehaviours = siteApiBehavioursOf(template);
    const helpSite = createHelpSiteHandler({
      dir: join(options.localDir, 'help'),
      // The article pages' view beacon (and a signed-in site's /auth/*): to the API, as the distribution forwards them.
      apiBehaviours,
      ...(siteSignIn &&
        siteCookieKey && {
          signIn: {
            trustedKeys: new Map(siteSignIn.keyPairIds.map((id) => [id, siteCookieKey.publicKeyPem])),
            signedPathPatterns: siteSignIn.signedPathPatterns,
            // The distribution's 403 page: fetched through the behaviour that serves its path, as CloudFront does.
            errorPage: async () => {
              const originPath = apiBehaviours.find((b) => new RegExp(`^${b.pathPattern.replace(/\*/g, '.*')}$`).test(siteSignIn.errorPagePath))?.originPath ?? '';
              return (await fetch(`http://${host}:${port}${originPath}${siteSignIn.errorPagePath}`)).text();
            },
          },
        }),
    });
    const localSignIn = siteSignIn ? createLocalSignIn({ localDir: options.localDir, baseUrl: () => `http://${host}:${port}`, roles: ROLES.filter((r) => r !== 'integration') }) : undefined;
    const server = createLocalApiServer({
      routes,
      functions,
      staticPages: async (req, res) => (localSignIn !== undefined && (await localSignIn(req, res))) || helpSite(req, res),
      tokenKey: signingKey(options.localDir),
      // The name it listens on, besides the loopback names.
      allowedHosts: [host],
      localEndpoints: async (req, body) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (req.method === 'GET' && url.pathname === '/_local/notifications') return { status: 200, body: { items: runningSns.messages() } };
        if (req.method === 'GET' && url.pathname === '/_local/schedules') return { status: 200, body: { items: schedules } };
        if (req.method === 'GET' && url.pathname === '/_local/event-rules') return { status: 200, body: { items: eventRules } };
        if (req.method === 'GET' && url.pathname === '/_local/dead-letters') return { status: 200, body: { items: deadLetters.list() } };
        if (req.method === 'GET' && url.pathname === '/_local/outbox') return { status: 200, body: await runningStreams.outbox() };
        if (req.method === 'GET' && url.pathname === '/_local/executions') return { status: 200, body: { items: runningStepFunctions.list() } };
        if (req.method === 'GET' && url.pathname === '/_local/state-machines') {
          return { status: 200, body: { items: runningStepFunctions.machines.map((m) => ({ ...m, arn: runningStepFunctions.arnOf(m) })) } };
        }
        if (req.method === 'GET' && url.pathname === '/_local/clock') return { status: 200, body: { now: now().toISOString(), timeScale } };
        if (req.method === 'POST' && url.pathname === '/_local/events') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body ?? '');
          } catch {
            return { status: 400, body: { type: 'about:blank', title: 'Bad request', status: 400, detail: 'The body must be one EventBridge event or an array of them, as JSON' } };
          }
          const events = Array.isArray(parsed) ? parsed : [parsed];
          const results = [];
          for (const event of events) results.push(await deliverEvent(event));
          return { status: 200, body: { results } };
        }
        const run = /^\/_local\/schedules\/([A-Za-z0-9]+)\/run$/.exec(url.pathname);
        if (req.method === 'POST' && run) {
          const schedule = schedules.find((s) => s.logicalId === run[1]);
          if (!schedule) return { status: 404, body: { type: 'about:blank', title: 'Not found', status: 404, detail: `No scheduled rule ${run[1]}` } };
          return { status: 200, body: { rule: schedule.logicalId, results: await runSchedule(schedule) } };
        }
        return undefined;
      },
      ...(options.onRequest && { onRequest: options.onRequest }),
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      if (reservation) server.listen(reservation, () => resolveListen());
      else server.listen(port, host, () => resolveListen());
    });
    const { port: actualPort } = server.address() as AddressInfo;
    const url = `http://${host}:${actualPort}`;
    const runningEngine = engine;
    const runningFunctions = functions;
    return {
      url,
      routes,
      schedules,
      eventRules,
      functions,
      dynamoDbEndpoint: engine.endpoint,
      tableNames,
      stepFunctions,
      now,
      stop: async () => {
        for (const timer of timers) clearInterval(timer);
        clearInterval(clockTimer);
        saveClock();
        await runningStreams.stop();
        await runningStepFunctions.stop();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        await runningFunctions.stop();
        await runningSns.stop();
        await runningEngine.stop();
        releaseLock();
      },
    };
  } catch (error) {
    reservation?.close();
    await streamConsumers?.stop();
    await stepFunctions?.stop();
    await functions?.stop();
    await sns?.stop();
    await engine?.stop();
    releaseLock();
    throw error;
  }
}

/** A free port, bound and held: the HTTP server listens on this socket once it is ready. */
async function reservePort(host: string): Promise<NetServer> {
  return new Promise((resolveReserved, reject) => {
    const reservation = createNetServer();
    reservation.once('error', reject);
    reservation.listen(0, host, () => resolveReserved(reservation));
  });
}

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  await new Promise<void>((resolveFree, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new EngineStartError(`Port ${port} on ${host} is already in use (another npm start?). Stop that process, or run with PORT=<another port>.`)
          : error,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolveFree()));
  });
}

/** One runtime per data folder: DynamoDB Local would corrupt a database two engines write. */
function acquireLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, '.lock');
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new EngineStartError(
        `The data folder ${dataDir} is in use by another local runtime (pid ${pid}). Stop it first, or set ITSM_LOCAL_DIR to use another folder.`,
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns once every write the engine has acknowledged so far is committed (see afterInvocation above). */
async function engineBarrier(client: DynamoDBClient): Promise<void> {
  await client.send(new ListTablesCommand({ Limit: 1 }));
}
