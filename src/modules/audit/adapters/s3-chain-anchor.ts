import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AnchoredHead, ChainAnchor } from '../app/ports';
import { CHAIN_ANCHOR_OBJECT_KEY } from './anchor-object-key';

/**
 * The chain head anchored in an S3 bucket with Object Lock: every write is a new version that no
 * one (compliance mode: not even the account's root) can delete or overwrite until its retention
 * ends, and the chainer's role has PutObject on this key only.
 */
export class S3ChainAnchor implements ChainAnchor {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(head: AnchoredHead): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: CHAIN_ANCHOR_OBJECT_KEY,
        Body: JSON.stringify({ sequence: head.sequence, hash: head.hash, recordKey: head.recordKey, mac: head.mac }),
        ContentType: 'application/json',
        // Object Lock requires an integrity checksum on every put.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async latest(): Promise<AnchoredHead | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: CHAIN_ANCHOR_OBJECT_KEY }));
      return parseAnchoredHead(await result.Body!.transformToString('utf8'));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

/** Reads an anchored head back; a malformed one is not taken for an anchor (it fails verification instead). */
export function parseAnchoredHead(text: string): AnchoredHead {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value['sequence'] !== 'number' || typeof value['hash'] !== 'string' || typeof value['recordKey'] !== 'string' || typeof value['mac'] !== 'string') {
    throw new Error('The anchored chain head is malformed');
  }
  return { sequence: value['sequence'], hash: value['hash'], recordKey: value['recordKey'], mac: value['mac'] };
}
