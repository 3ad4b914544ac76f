import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../src/kernel/adapters/document-client';
import { DynamoDbCatalogueRepository } from '../src/modules/catalogue/adapters/dynamodb-catalogue-repository';
import { AlreadyExistsError } from '../src/kernel/domain/domain-errors';
import { findSecrets } from '../src/kernel/domain/secret-detector';
import { newService } from '../src/modules/catalogue/domain/service-catalogue';
import type { CreateServiceBody } from '../src/modules/catalogue/schemas/catalogue-schemas';

/** Who the seeded services are recorded as created by. */
const SEED_ACTOR = { id: 'system:seed', name: 'system:seed' };

/**
 * Incidents must name a service of the catalogue, so an empty data folder would accept none. The
 * client file's optional `services` list is created here when a service id is missing; services
 * already there (seeded earlier, or changed since through the API) are left as they are.
 * Returns how many were created.
 */
export async function seedCatalogue(client: DynamoDBClient, tableName: string, services: readonly CreateServiceBody[], now = new Date()): Promise<number> {
  const repository = new DynamoDbCatalogueRepository(createDocumentClient(client), tableName);
  let created = 0;
  for (const input of services) {
    // The same rules as POST /services: a client file is no place for secrets either.
    const secrets = findSecrets(input);
    if (secrets.length > 0) throw new Error(`services[${input.id}]: ${secrets.map((s) => `${s.field} ${s.message}`).join('; ')}`);
    try {
      await repository.createService(newService(input, SEED_ACTOR, now.toISOString()));
      created++;
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
  return created;
}
