import * as z from 'zod';
import { clientConfigSchema } from './client-config-schema';

/**
 * The JSON Schema editors use to check and complete client files (`"$schema"` in each file),
 * generated from the zod schema so the two cannot drift; a test compares it with the committed copy.
 */
export function clientConfigJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(clientConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    title: 'rowe-itsm client configuration',
  };
}

if (require.main === module) {
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { join } = require('node:path') as typeof import('node:path');
  const target = join(__dirname, '../../clients/client-config.schema.json');
  writeFileSync(target, `${JSON.stringify(clientConfigJsonSchema(), null, 2)}\n`);
  console.log(`Wrote ${target}`);
}
