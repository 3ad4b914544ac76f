import { startDynamoDbLocal } from '../../local/dynamodb-engine';
import { preferShortLivedJvm } from './short-lived-jvm';

/**
 * DynamoDB Local runs every request on one SQLite thread, so one engine serves one core at most:
 * shared by all the workers, it left the integration files waiting on it (the machine at about
 * 80 % for the minute they ran together). Two engines, each worker using one (testEngineEndpoint),
 * keep both cores busy; more would only cost their start.
 */
const ENGINES = 2;

/**
 * Starts the run's in-memory DynamoDB Local engines; test files create their own tables (unique
 * names) from the synthesized template, so they never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  preferShortLivedJvm();
  const engines = await Promise.all(Array.from({ length: ENGINES }, () => startDynamoDbLocal()));
  process.env['ITSM_TEST_DYNAMODB_ENDPOINT'] = engines.map((engine) => engine.endpoint).join(',');
  (globalThis as { __itsmEngines?: typeof engines }).__itsmEngines = engines;
}
