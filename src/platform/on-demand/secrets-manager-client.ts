import type { Tracer } from '@aws-lambda-powertools/tracer';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretSource } from '../../kernel/adapters/secrets-manager-secret-source';

export const createSecretSource = (tracer: Tracer) => new SecretsManagerSecretSource(tracer.captureAWSv3Client(new SecretsManagerClient({})));
