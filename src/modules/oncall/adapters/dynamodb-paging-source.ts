import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EscalationPolicy, PersonContact, ScheduleDefinition } from '../domain';
import { personRecords, policyRecords, scheduleRecords } from './dynamodb-versioned-records';

/** Policies read to choose one; a client has tens at most. */
const MAX_POLICIES_READ = 500;

/**
 * What the SLA workflow reads to page (the incidents module's PagingSource port): the stored
 * policies (one Query of their partition), a schedule and a person of the directory (GetItem each).
 */
export class DynamoDbPagingSource {
  private readonly policyStore;
  private readonly scheduleStore;
  private readonly people;

  constructor(options: { readonly documents: DynamoDBDocumentClient; readonly tableName: string }) {
    this.policyStore = policyRecords(options.documents, options.tableName);
    this.scheduleStore = scheduleRecords(options.documents, options.tableName);
    this.people = personRecords(options.documents, options.tableName);
  }

  async policies(): Promise<readonly EscalationPolicy[]> {
    const all: EscalationPolicy[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.policyStore.list({ limit: 100, ...(nextToken && { nextToken }) });
      all.push(...page.items);
      nextToken = all.length < MAX_POLICIES_READ ? page.nextToken : undefined;
    } while (nextToken);
    return all;
  }

  schedule(id: string): Promise<ScheduleDefinition | undefined> {
    return this.scheduleStore.get(id);
  }

  async person(username: string): Promise<PersonContact | undefined> {
    const person = await this.people.get(username);
    return person && { name: person.name, email: person.email, ...(person.phone && { phone: person.phone }) };
  }
}
