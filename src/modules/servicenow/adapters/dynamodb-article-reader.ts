import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { articleKey } from '../../problems/adapters';
import type { MirroredArticle } from '../app/sync-article';

/** Knowledge articles as the problems table holds them, read consistently (GetItem): what a kb_knowledge push sends. */
export class DynamoDbArticleReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly problemsTable: string,
  ) {}

  async get(id: string): Promise<MirroredArticle | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.problemsTable, Key: articleKey(id), ConsistentRead: true }));
    return result.Item as MirroredArticle | undefined;
  }
}
