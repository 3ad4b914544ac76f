'use strict';
/**
 * Runs one bundled Lambda function inside a worker thread, with its own process.env and module
 * cache, as one Lambda execution environment would. Plain JavaScript: it loads esbuild output.
 */
const { parentPort, workerData } = require('node:worker_threads');

let handler;
let initError;
try {
  // The local stand-ins (registered through the adapter seam the handlers' factories ask first),
  // before the handler's module is evaluated: a handler creates its adapters at cold start.
  if (workerData.preload) require(workerData.preload);
  handler = require(workerData.bundle)[workerData.handler];
  if (typeof handler !== 'function') throw new Error(`${workerData.bundle} exports no function "${workerData.handler}"`);
} catch (error) {
  initError = error;
}
parentPort.postMessage({ type: 'ready', error: initError ? String(initError.stack || initError) : undefined });

parentPort.on('message', async ({ id, event, requestId, deadlineMs }) => {
  if (initError) return parentPort.postMessage({ id, error: `Init failed: ${initError.stack || initError}` });
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${workerData.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) });
  }
});
