import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OpenMajorIncident, SiteIncident, SiteSource } from '../app/ports';
import type { SiteArticle, SiteService } from '../domain';
import { DynamoDbKnowledgeSearch, articleKey } from '../../problems/adapters';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { INCIDENT_INDEXES, incidentKey, queryIncidentIndex } from '../../incidents/adapters';
import { OPEN_INCIDENT_STATES } from '../../incidents/domain';


/**
 * The site's inputs, read with Queries only (no Scan): published articles on the problems table's
 * byLastAccess (published only), live services on the catalogue's byServiceStatus, and open major
 * incidents on the incidents table's byState (one Query per open state, `major` filtered).
 */
export class DynamoDbSiteSource implements SiteSource {
  private readonly knowledge: DynamoDbKnowledgeSearch;
  private readonly catalogue: DynamoDbCatalogueRepository;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { readonly problems: string; readonly catalogue: string; readonly incidents: string },
  ) {
    this.knowledge = new DynamoDbKnowledgeSearch(db, tables.problems);
    this.catalogue = new DynamoDbCatalogueRepository(db, tables.catalogue);
  }

  publishedArticles(): Promise<readonly SiteArticle[]> {
    return this.knowledge.publishedArticles();
  }

  async article(id: string): Promise<SiteArticle | undefined> {
    const result = await this.db.send(new GetCommand({ TableName: this.tables.problems, Key: articleKey(id), ConsistentRead: true }));
    return result.Item as SiteArticle | undefined;
  }

  async services(): Promise<readonly SiteService[]> {
    const services: SiteService[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.catalogue.listServices({ status: 'live' }, { limit: 100, ...(nextToken && { nextToken }) });
      services.push(...page.items.map((s) => ({ id: s.id, name: s.name })));
      nextToken = page.nextToken;
    } while (nextToken);
    return services;
  }

  async incident(id: string): Promise<SiteIncident | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tables.incidents,
        Key: incidentKey(id),
        ConsistentRead: true,
        ProjectionExpression: 'id, service, major, #state',
        ExpressionAttributeNames: { '#state': 'state' },
      }),
    );
    const item = result.Item;
    return item && { id: String(item['id']), service: String(item['service']), major: item['major'] === true, state: item['state'] as SiteIncident['state'] };
  }

  async openMajorIncidents(): Promise<readonly OpenMajorIncident[]> {
    const index = INCIDENT_INDEXES.byState;
    const incidents: OpenMajorIncident[] = [];
    for (const state of OPEN_INCIDENT_STATES) {
      let start: Record<string, unknown> | undefined;
      do {
        const result = await queryIncidentIndex(this.db, 'byState', {
          TableName: this.tables.incidents,
          KeyConditionExpression: '#pk = :pk',
          FilterExpression: '#major = :true',
          ProjectionExpression: '#id, #service',
          ExpressionAttributeNames: { '#pk': index.partitionKey, '#major': 'major', '#id': 'id', '#service': 'service' },
          ExpressionAttributeValues: { ':pk': `STATE#${state}`, ':true': true },
          ...(start && { ExclusiveStartKey: start }),
        });
        for (const item of result.Items ?? []) incidents.push({ id: String(item['id']), service: String(item['service']) });
        start = result.LastEvaluatedKey;
      } while (start);
    }
    return incidents;
  }
}
