import type { Tracer } from '@aws-lambda-powertools/tracer';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { KmsChainSeal } from '../../adapters/kms-chain-seal';
import { S3ChainAnchor } from '../../adapters/s3-chain-anchor';

export const createKmsChainSeal = (tracer: Tracer, keyId: string) => new KmsChainSeal(tracer.captureAWSv3Client(new KMSClient({})), keyId);
export const createS3ChainAnchor = (tracer: Tracer, bucket: string) => new S3ChainAnchor(tracer.captureAWSv3Client(new S3Client({})), bucket);
