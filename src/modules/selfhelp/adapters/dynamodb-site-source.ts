import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OpenMajorIncident, SiteIncident, SiteSource } from '../app/ports';
import type { SiteArticle, SiteService } from '../domain';
import { DynamoDbKnowledgeSearch, articleKey } from '../../problems/adapters';
import { DynamoDbCatalogueRepository } from '../../catalogue/adapters';
import { forEachOpenIncidentPage, incidentKey } from '../../incidents/adapters';


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
    const incidents: OpenMajorIncident[] = [];
    await forEachOpenIncidentPage(
      this.db,
      {
        TableName: this.tables.incidents,
        FilterExpression: '#major = :true',
        ProjectionExpression: '#id, #service',
        ExpressionAttributeNames: { '#major': 'major', '#id': 'id', '#service': 'service' },
        ExpressionAttributeValues: { ':true': true },
      },
      (page) => {
        for (const item of page.Items ?? []) incidents.push({ id: String(item['id']), service: String(item['service']) });
      },
    );
    return incidents;
  }
}
