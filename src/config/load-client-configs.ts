import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { clientConfigSchema, type ClientConfig } from './client-config-schema';

/** A client file that cannot be deployed: the message names the file, the field and the reason. */
export class ClientConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { readonly field: string; readonly reason: string }[],
  ) {
    super(`Invalid client configuration ${file}:\n${problems.map((p) => `  - ${p.field}: ${p.reason}`).join('\n')}`);
    this.name = 'ClientConfigError';
  }
}

export function parseClientConfig(file: string, text: string): ClientConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ClientConfigError(file, [{ field: '(file)', reason: `is not valid JSON: ${(error as Error).message}` }]);
  }
  const result = clientConfigSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new ClientConfigError(
      file,
      result.error.issues.flatMap((issue) => {
        const path = issue.path.map(String).join('.');
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), reason: 'is not a known field' }));
        }
        const reason = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
        return [{ field: path || '(root)', reason }];
      }),
    );
  }
  const expectedId = basename(file, '.json');
  if (result.data.id !== expectedId) {
    throw new ClientConfigError(file, [{ field: 'id', reason: `is "${result.data.id}" but the file is named ${expectedId}.json; they must match` }]);
  }
  return result.data;
}

/** Reads and validates every clients/*.json; the first invalid file stops the synth. */
export function loadClientConfigs(directory: string): ClientConfig[] {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.schema.json') && !name.startsWith('_'))
    .sort();
  return files.map((name) => {
    const path = join(directory, name);
    return parseClientConfig(relative(process.cwd(), path) || path, readFileSync(path, 'utf8'));
  });
}
