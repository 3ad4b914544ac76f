import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../src/kernel/domain/access-policy';
import { issueToken } from './local-tokens';
import { localDirectory } from './local-paths';

/**
 * `npm run --silent token -- --role agent --user alice` prints a token for the local runtime,
 * and nothing else, so it can be captured: TOKEN=$(npm run --silent token -- --role agent --user alice)
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true, short: 'r' },
      user: { type: 'string', short: 'u' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.role?.length) {
    process.stderr.write(
      `Usage: npm run --silent token -- --role <role> [--role <role>] --user <name> [--ttl <seconds>]\nRoles: ${ROLES.join(', ')}\n`,
    );
    process.exit(values.help ? 0 : 2);
  }
  const roles = values.role.flatMap((r) => r.split(',')) as Role[];
  const user = values.user ?? (roles.includes('integration') ? 'local-integration' : 'local-user');
  process.stdout.write(
    `${await issueToken(localDirectory(), { roles, user, ...(values.ttl && { ttlSeconds: Number(values.ttl) }) })}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
});
