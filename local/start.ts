import { EngineStartError } from './dynamodb-engine';
import { localDirectory } from './local-paths';
import { startLocalRuntime } from './local-runtime';

/**
 * `npm start`: the whole system on 127.0.0.1, offline, with no AWS account.
 * PORT (default 3000), ITSM_CLIENT (default example), ITSM_LOCAL_DIR (default .local), LOG_LEVEL,
 * ITSM_TIME_SCALE (default 1: local time, SLA clocks and workflow waits run that many times faster).
 */
async function main(): Promise<void> {
  // The SDK warns about Node 20 on every client; the runtime supports Node 20 for local use only.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const log = (line: string) => process.stdout.write(`[itsm] ${line}\n`);
  const port = Number(process.env['PORT'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EngineStartError(`PORT=${process.env['PORT']} is not a port number`);
  const timeScale = Number(process.env['ITSM_TIME_SCALE'] ?? 1);
  if (!Number.isFinite(timeScale) || timeScale < 1 || timeScale > 100_000) {
    throw new EngineStartError(`ITSM_TIME_SCALE=${process.env['ITSM_TIME_SCALE']} must be a number from 1 to 100000`);
  }
  const runtime = await startLocalRuntime({
    port,
    timeScale,
    localDir: localDirectory(),
    clientId: process.env['ITSM_CLIENT'] ?? 'example',
    progress: log,
    functionLog: (fn, line) => process.stdout.write(`[${fn}] ${line}\n`),
    onRequest: log,
  });

  log(`Listening on ${runtime.url} (${runtime.routes.length} routes). Press Ctrl-C to stop.`);
  if (timeScale !== 1) log(`Time runs ${timeScale}× faster: local now is ${runtime.now().toISOString()}`);
  log('Try it:');
  log('  TOKEN=$(npm run --silent token -- --role agent --user alice)');
  log(
    `  curl -s -X POST ${runtime.url}/incidents -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ` +
      `-d '{"shortDescription":"Email down","description":"Outlook cannot connect","impact":2,"urgency":1,"service":"email","category":"software"}'`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, stopping…`);
    await runtime.stop();
    log('Stopped. Data kept for next time.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  if (error instanceof EngineStartError) {
    process.stderr.write(`[itsm] Cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`[itsm] Failed to start: ${error.stack ?? error.message}\n`);
  }
  process.exit(1);
});
