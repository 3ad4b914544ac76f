import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientConfigJsonSchema } from '../../src/config/client-config-json-schema';

test('the committed clients/client-config.schema.json is the one generated from the zod schema (npm run config:schema)', () => {
  const committed = JSON.parse(readFileSync(join(__dirname, '../../clients/client-config.schema.json'), 'utf8'));
  expect(committed).toEqual(clientConfigJsonSchema());
  expect(committed.required).toEqual(expect.arrayContaining(['id', 'account', 'region', 'allowedRegions', 'timeZone', 'contacts']));
});
