import { startDynamoDbLocal } from '../../local/dynamodb-engine';
import { preferShortLivedJvm } from './short-lived-jvm';

/**
 * Starts one in-memory DynamoDB Local for the whole run; test files create their own tables
 * (unique names) from the synthesized template, so they never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  preferShortLivedJvm();
  const engine = await startDynamoDbLocal();
  process.env['ITSM_TEST_DYNAMODB_ENDPOINT'] = engine.endpoint;
  (globalThis as { __itsmEngine?: typeof engine }).__itsmEngine = engine;
}
