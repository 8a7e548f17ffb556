import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { normalizePhoneNumber } from './common/phone-number.js';
import { isIanaTimeZone } from './common/time-zone.js';
import { ConfigValidationError, loadConfigFromEnvironment } from './config/app-config.js';
import { openDatabase } from './database/database.module.js';
import { migrate } from './database/migrator.js';
import { OrganizationsRepository } from './organizations/organizations.repository.js';
import { OrganizationsService } from './organizations/organizations.service.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  org:create --name <name> [--owner <+55...>]... [--timezone <IANA zone>]
      Create an organization and print its first API key (shown once).
`;

class UsageError extends Error {}

async function createOrganization(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, owner: { type: 'string', multiple: true }, timezone: { type: 'string' } },
  });
  const name = values.name?.trim() ?? '';
  if (name === '' || name.length > 120) throw new UsageError('--name is required (1 to 120 characters)');
  const owners = (values.owner ?? []).map((raw) => {
    const phone = normalizePhoneNumber(raw);
    if (phone === null) throw new UsageError(`--owner ${raw}: not a phone number; write it as +5511987654321`);
    return phone;
  });
  if (values.timezone !== undefined && !isIanaTimeZone(values.timezone)) {
    throw new UsageError(`--timezone ${values.timezone}: not an IANA time zone such as America/Sao_Paulo`);
  }

  const database = await openDatabase(loadConfigFromEnvironment());
  try {
    await migrate(database);
    // The CLI needs only the database, so it wires the services by hand instead of booting Nest (and Redis).
    const apiKeys = new ApiKeysService(database, new ApiKeysRepository(database));
    const organizations = new OrganizationsService(database, new OrganizationsRepository(database), apiKeys);
    const { organization, apiKey } = await organizations.createWithFirstKey({
      name,
      timezone: values.timezone,
      ownerNumbers: owners,
    });
    process.stdout.write(
      `${JSON.stringify({ organizationId: organization.id, name: organization.name, apiKey: apiKey.key }, null, 2)}\n` +
        'Store the API key now: it is not shown again.\n',
    );
  } finally {
    await database.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'org:create':
        await createOrganization(rest);
        return 0;
      default:
        process.stderr.write(command === undefined ? USAGE : `Unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await run(process.argv.slice(2));
