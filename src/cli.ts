import 'reflect-metadata';
import { eq } from 'drizzle-orm';
import { parseArgs } from 'node:util';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeyEvents } from './auth/api-key-events.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { normalizePhoneNumber } from './common/phone-number.js';
import { isIanaTimeZone } from './common/time-zone.js';
import { type AppConfig, ConfigValidationError, loadConfigFromEnvironment } from './config/app-config.js';
import { type Database, isUuid } from './database/database.js';
import { whatsappInstances } from './database/schema.js';
import { importBaileysFolder, SessionImportError } from './session/baileys-folder-import.js';
import { IDLE_SESSION_DAYS } from './session/session-cleanup.service.js';
import { createAuthStateStore } from './session/session-store.factory.js';
import { openDatabase } from './database/database.module.js';
import { migrate } from './database/migrator.js';
import { OrganizationsRepository } from './organizations/organizations.repository.js';
import { OrganizationsService } from './organizations/organizations.service.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  org:create --name <name> [--owner <+55...>]... [--timezone <IANA zone>]
      Create an organization and print its first API key (shown once).
  session:import --instance <id> --from <folder> [--organization <id>]
      Import a folder written by Baileys' useMultiFileAuthState into the session store.
  session:cleanup [--days 30] [--delete]
      List sessions unused for that many days; delete them with --delete.
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

  await withDatabase(async (database) => {
    const apiKeys = new ApiKeysService(database, new ApiKeysRepository(database), new ApiKeyEvents());
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
  });
}

/** The database, migrated, for the length of one command; the CLI wires services by hand instead of booting Nest. */
async function withDatabase<T>(work: (database: Database, config: AppConfig) => Promise<T>): Promise<T> {
  const config = loadConfigFromEnvironment();
  const database = await openDatabase(config);
  try {
    await migrate(database);
    return await work(database, config);
  } finally {
    await database.close();
  }
}

async function importSession(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { instance: { type: 'string' }, from: { type: 'string' }, organization: { type: 'string' } },
  });
  if (values.instance === undefined || !isUuid(values.instance)) throw new UsageError('--instance <instance id> is required');
  if (values.from === undefined) throw new UsageError('--from <folder written by useMultiFileAuthState> is required');
  const instanceId = values.instance;
  const folder = values.from;
  await withDatabase(async (database, config) => {
    const [instance] = await database.systemDb
      .select({ organizationId: whatsappInstances.organizationId })
      .from(whatsappInstances)
      .where(eq(whatsappInstances.id, instanceId));
    const organizationId = instance?.organizationId ?? values.organization;
    if (organizationId === undefined || !isUuid(organizationId)) {
      throw new UsageError(`instance ${instanceId} does not exist: create it first, or pass --organization <id>`);
    }
    const store = await createAuthStateStore(config, database);
    const result = await importBaileysFolder(store, { organizationId, instanceId }, folder);
    process.stdout.write(`${JSON.stringify({ instanceId, store: store.kind, ...result }, null, 2)}\n`);
  });
}

async function cleanupSessions(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { days: { type: 'string' }, delete: { type: 'boolean' } } });
  const days = values.days === undefined ? IDLE_SESSION_DAYS : Number(values.days);
  if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a whole number of days, 1 or more');
  await withDatabase(async (database, config) => {
    const store = await createAuthStateStore(config, database);
    const idle = await store.listIdle(days);
    if (values.delete === true) for (const session of idle) await store.delete(session);
    process.stdout.write(`${JSON.stringify({ days, idle, deleted: values.delete === true ? idle.length : 0 }, null, 2)}\n`);
  });
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'org:create':
        await createOrganization(rest);
        return 0;
      case 'session:import':
        await importSession(rest);
        return 0;
      case 'session:cleanup':
        await cleanupSessions(rest);
        return 0;
      default:
        process.stderr.write(command === undefined ? USAGE : `Unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigValidationError || error instanceof SessionImportError) {
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
