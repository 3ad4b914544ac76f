import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AUDIT_RECORD_PREFIX } from '../../../kernel/adapters/audit-table-keys';
import { fromItem, toItem } from '../../../kernel/adapters/dynamodb-audit-trail';
import { AUDIT_RECORD_VERSION, eraseFromRecord, personalValuesOf, type AuditRecord } from '../../../kernel/domain/audit-chain';
import type { AuditRecordEraser } from '../app/ports';

export interface DynamoDbAuditRecordEraserOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Pseudonymises a person in the audit records (never in chain entries, which hold hashes only).
 * A version 2 record is put back with the person's values replaced and their salts deleted, and
 * its actor index key rewritten; its hash is unchanged, so the chain still verifies. Each is put
 * only if its slots are still the ones read. Version 1 records (written before personal values were
 * sealed apart) cannot change without breaking the chain: they are counted, and go with their
 * retention. A record another erasure changed since it was read is left (erase again to finish). A Scan, like the process tables' (an operator's procedure, not a request path).
 */
export class DynamoDbAuditRecordEraser implements AuditRecordEraser {
  constructor(private readonly options: DynamoDbAuditRecordEraserOptions) {}

  async erase(identifiers: ReadonlySet<string>, erasureId: string): Promise<{ erased: number; legacy: number }> {
    let erased = 0;
    let legacy = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.db.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: 'begins_with(pk, :records)',
          ExpressionAttributeValues: { ':records': AUDIT_RECORD_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const record = fromItem(item) as AuditRecord;
        if (record.v !== AUDIT_RECORD_VERSION) {
          if (personalValuesOf(record).some((value) => identifiers.has(value))) legacy++;
          continue;
        }
        const pseudonymised = eraseFromRecord(record, identifiers, erasureId);
        if (!pseudonymised) continue;
        try {
          await this.options.db.send(
            new PutCommand({
              TableName: this.options.tableName,
              Item: toItem(pseudonymised),
              ConditionExpression: '#hash = :hash AND #personal = :personal',
              ExpressionAttributeNames: { '#hash': 'hash', '#personal': 'personal' },
              ExpressionAttributeValues: { ':hash': record.hash, ':personal': record.personal },
            }),
          );
          erased++;
        } catch (error) {
          // Only an erasure rewrites a record: another one changed it meanwhile. Erasing again finishes it.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { erased, legacy };
  }
}
