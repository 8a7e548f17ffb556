import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/app-config.js';

// No Docker engine or Render account here: the deploy files are checked against the configuration
// they feed, so a renamed or forgotten variable fails this test instead of a deploy.
const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

const configNames = Object.keys(CONFIG_VARIABLES);
const known = new Set(configNames);
const requiredInProduction = configNames.filter((name) => CONFIG_VARIABLES[name].requiredInProduction);

// Values for variables a deploy leaves to the operator, in the format each one expects.
const OPERATOR_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgresql://postgres:secret@db.example.supabase.co:5432/postgres',
  REDIS_URL: 'rediss://default:secret@redis.example.com:6379',
  ENCRYPTION_KEY: 'ab'.repeat(32),
  SUPABASE_URL: 'https://example.supabase.co',
  SUPABASE_JWT_SECRET: 'x'.repeat(40),
  OPENAI_BASE_URL: 'https://api.openai.com/v1',
  METRICS_TOKEN: 'm'.repeat(24),
};
// What Render's `generateValue: true` produces: 256 random bits, base64 (44 characters).
const RENDER_GENERATED_VALUE = Buffer.alloc(32, 7).toString('base64');

interface RenderEnvVar {
  key: string;
  value?: string;
  sync?: boolean;
  generateValue?: boolean;
}

interface RenderBlueprint {
  services: {
    type: string;
    runtime: string;
    healthCheckPath: string;
    disk: { mountPath: string; sizeGB: number };
    envVars: RenderEnvVar[];
  }[];
}

interface Compose {
  services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
}

const unknownIn = (names: string[]) => names.filter((name) => !known.has(name));
const describeNames = (names: string[]) => names.join(', ');

/** The `NAME=value` lines of .env.example, in file order (comments skipped). */
function envExampleEntries(): [string, string][] {
  return read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]);
}

/** Compose's `${NAME:-default}` interpolation, resolved to its default as on a machine with nothing set. */
function composeDefault(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

/** The variables an ENV instruction of the Dockerfile sets (continuation lines included). */
function dockerfileEnv(dockerfile: string): Record<string, string> {
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const pairs = instructions
    .filter((line) => line.startsWith('ENV '))
    .flatMap((line) => line.slice(4).trim().split(/\s+/))
    .map((pair) => pair.split('=') as [string, string]);
  return Object.fromEntries(pairs);
}

describe('deploy files agree with the configuration', () => {
  const render = parse(read('render.yaml')) as RenderBlueprint;
  const web = render.services[0];
  const renderNames = web.envVars.map((variable) => variable.key);
  const compose = parse(read('docker-compose.yml')) as Compose;
  const composeEnvironment = compose.services.app.environment ?? {};
  const dockerfile = read('Dockerfile');

  describe('every variable they name is one the configuration knows', () => {
    it.each([
      ['render.yaml', () => renderNames],
      ['docker-compose.yml (app service)', () => Object.keys(composeEnvironment)],
      ['.env.example', () => envExampleEntries().map(([name]) => name)],
      ['Dockerfile ENV', () => Object.keys(dockerfileEnv(dockerfile))],
    ])('%s', (file, names) => {
      const unknown = unknownIn(names());
      expect(unknown, `${file} names variables missing from CONFIG_VARIABLES: ${describeNames(unknown)}`).toEqual([]);
    });
  });

  describe('.env.example', () => {
    it('lists every variable once, in the order of CONFIG_VARIABLES, each under a comment', () => {
      const names = envExampleEntries().map(([name]) => name);
      const missing = configNames.filter((name) => !names.includes(name));
      expect(missing, `missing from .env.example: ${describeNames(missing)}`).toEqual([]);
      const repeated = names.filter((name, index) => names.indexOf(name) !== index);
      expect(repeated, `listed more than once in .env.example: ${describeNames(repeated)}`).toEqual([]);
      const listed = names.filter((name) => known.has(name));
      const inConfigOrder = configNames.filter((name) => listed.includes(name));
      const firstOutOfOrder = listed.findIndex((name, index) => inConfigOrder[index] !== name);
      const [found, belongs] = [listed[firstOutOfOrder], inConfigOrder[firstOutOfOrder]];
      expect(
        firstOutOfOrder === -1 ? null : found,
        `.env.example is out of CONFIG_VARIABLES order: ${found} stands where ${belongs} belongs`,
      ).toBeNull();

      const lines = read('.env.example').split('\n');
      const uncommented = lines
        .map((line, index) => ({ line, previous: lines[index - 1] ?? '' }))
        .filter(({ line, previous }) => /^[A-Z][A-Z0-9_]*=/.test(line) && !previous.startsWith('# '))
        .map(({ line }) => line.slice(0, line.indexOf('=')));
      expect(uncommented, `no comment line above: ${describeNames(uncommented)}`).toEqual([]);
    });

    it('gives each variable with a default that default', () => {
      const values = new Map(envExampleEntries());
      const different = configNames.filter((name) => {
        const fallback = CONFIG_VARIABLES[name].default;
        // WHATSAPP_SESSION_PATH's default is derived from DATA_DIR, so it is left empty.
        return fallback !== undefined && !fallback.includes('<') && values.get(name) !== fallback;
      });
      expect(different, `value differs from the CONFIG_VARIABLES default: ${describeNames(different)}`).toEqual([]);
    });

    it('passes validation as written, empty values meaning unset', () => {
      const filled = Object.fromEntries(envExampleEntries().filter(([, value]) => value !== ''));
      expect(() => loadConfig(filled)).not.toThrow();
      // Loaded with `node --env-file=.env`, the empty lines arrive as empty strings.
      expect(() => loadConfig(Object.fromEntries(envExampleEntries()))).not.toThrow();
    });
  });

  describe('render.yaml', () => {
    it('sets every variable required in production', () => {
      const missing = requiredInProduction.filter((name) => !renderNames.includes(name));
      expect(missing, `required in production but missing from render.yaml: ${describeNames(missing)}`).toEqual([]);
    });

    it('sets the variables the seed deployment names', () => {
      const seed = [
        'NODE_ENV', 'PORT', 'DATA_DIR', 'WHATSAPP_SESSION_PATH', 'DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEY',
        'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'ENCRYPTION_KEY',
        'OPENAI_API_KEY', 'OPENAI_MODEL_CLIENT', 'OPENAI_MODEL_AURORA', 'SESSION_STORE', 'MEDIA_STORE',
      ];
      const missing = seed.filter((name) => !renderNames.includes(name));
      expect(missing, `missing from render.yaml: ${describeNames(missing)}`).toEqual([]);
      const repeated = renderNames.filter((name, index) => renderNames.indexOf(name) !== index);
      expect(repeated, `listed more than once in render.yaml: ${describeNames(repeated)}`).toEqual([]);
    });

    it('never commits a secret: secrets are sync: false or generated', () => {
      const committed = web.envVars
        .filter((variable) => CONFIG_VARIABLES[variable.key]?.secret && variable.value !== undefined)
        .map((variable) => variable.key);
      expect(committed, `secret with a literal value in render.yaml: ${describeNames(committed)}`).toEqual([]);
      const encryptionKey = web.envVars.find((variable) => variable.key === 'ENCRYPTION_KEY');
      // A generated value is base64, and a regenerated key could no longer read the existing backups.
      expect(encryptionKey?.sync, 'ENCRYPTION_KEY must be sync: false in render.yaml').toBe(false);
    });

    it('keeps sessions on the persistent disk and probes /health', () => {
      expect(web.runtime, 'render.yaml runtime').toBe('docker');
      expect(web.disk.mountPath, 'render.yaml disk mountPath').toBe('/app/data');
      const value = (name: string) => web.envVars.find((variable) => variable.key === name)?.value ?? '';
      expect(value('DATA_DIR'), 'render.yaml DATA_DIR').toBe(web.disk.mountPath);
      expect(
        value('WHATSAPP_SESSION_PATH').startsWith(`${web.disk.mountPath}/`),
        `render.yaml WHATSAPP_SESSION_PATH (${value('WHATSAPP_SESSION_PATH')}) is not under the disk`,
      ).toBe(true);
      expect(web.healthCheckPath, 'render.yaml healthCheckPath').toBe('/health');
    });

    it('passes production validation once the operator fills in the sync: false values', () => {
      const env = Object.fromEntries(
        web.envVars.map((variable) => {
          if (variable.value !== undefined) return [variable.key, variable.value];
          if (variable.generateValue) return [variable.key, RENDER_GENERATED_VALUE];
          return [variable.key, OPERATOR_VALUES[variable.key] ?? ''];
        }),
      );
      expect(env.NODE_ENV, 'render.yaml NODE_ENV').toBe('production');
      expect(() => loadConfig(env)).not.toThrow();
    });
  });

  describe('docker-compose.yml', () => {
    it('points the app at the postgres and redis services and keeps /app/data on a volume', () => {
      expect(Object.keys(compose.services).sort()).toEqual(['app', 'postgres', 'redis']);
      expect(new URL(composeEnvironment.DATABASE_URL ?? '').hostname, 'compose DATABASE_URL host').toBe('postgres');
      expect(new URL(composeEnvironment.REDIS_URL ?? '').hostname, 'compose REDIS_URL host').toBe('redis');
      const dataVolume = (compose.services.app.volumes ?? []).some((volume) => volume.endsWith(':/app/data'));
      expect(dataVolume, 'compose app has no volume on /app/data').toBe(true);
    });

    it('starts the app only once PostgreSQL and Redis answer their health checks', () => {
      const app = compose.services.app as { depends_on?: Record<string, { condition: string }> };
      expect(app.depends_on, 'compose app depends_on').toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      for (const service of ['postgres', 'redis']) {
        const healthcheck = (compose.services[service] as { healthcheck?: { test?: unknown } }).healthcheck;
        expect(healthcheck?.test, `compose ${service} healthcheck`).toBeDefined();
      }
    });

    it('passes validation with its placeholders', () => {
      const env = Object.fromEntries(
        Object.entries(composeEnvironment).map(([name, value]) => [name, composeDefault(String(value))]),
      );
      expect(() => loadConfig(env)).not.toThrow();
    });
  });

  describe('supabase/ in the Supabase CLI layout', () => {
    it('names migrations as the CLI reads them, once per version, and seeds from seed.sql', () => {
      const migrations = readdirSync(join(root, 'supabase', 'migrations')).filter((name) => name.endsWith('.sql'));
      // The CLI takes `<version>_<name>.sql`; the version is what it records (and the app's migrator honours).
      const misnamed = migrations.filter((name) => !/^\d+_[\w-]+\.sql$/.test(name));
      expect(misnamed, `migrations the Supabase CLI would not read: ${describeNames(misnamed)}`).toEqual([]);
      const versions = migrations.map((name) => name.slice(0, name.indexOf('_')));
      expect(new Set(versions).size, 'two migrations share a version').toBe(versions.length);
      const config = read('supabase/config.toml');
      expect(config, 'supabase/config.toml [db.seed]').toMatch(/^\[db\.seed\]\nenabled = true\nsql_paths = \["\.\/seed\.sql"\]$/m);
      expect(config, 'supabase/config.toml major_version').toMatch(/^major_version = 15$/m);
      expect(read('supabase/seed.sql'), 'seed.sql creates the demo shop').toContain("'Pet Shop Demo Oxy'");
    });
  });

  describe('Dockerfile', () => {
    it('keeps the image small: production dependencies only, no sources or local data in the build context', () => {
      expect(dockerfile, 'Dockerfile prunes dev dependencies').toMatch(/npm prune --omit=dev/);
      const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
      expect(finalStage, 'final stage copies no sources').not.toMatch(/^COPY [^\n]*\bsrc\b/m);
      const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
      const missing = ['node_modules', 'dist', 'data', '.env', '.git'].filter((entry) => !ignored.includes(entry));
      expect(missing, `.dockerignore does not exclude: ${describeNames(missing)}`).toEqual([]);
    });

    it('runs the built server as a non-root user, with a health check on /health', () => {
      expect(dockerfile, 'Dockerfile build stage').toMatch(/^FROM node:22[\w.-]* AS build$/m);
      expect(dockerfile, 'Dockerfile CMD').toMatch(/^CMD \["node", "--experimental-async-context-frame", "dist\/main\.js"\]$/m);
      const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
      expect(users.at(-1), 'Dockerfile final USER').toBe('node');
      expect(dockerfile, 'Dockerfile HEALTHCHECK on /health').toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/health/m);
      expect(dockerfile, 'Dockerfile VOLUME').toMatch(/^VOLUME \["\/app\/data"\]$/m);
      expect(dockerfile, 'Dockerfile copies supabase/ (migrations applied at boot)').toMatch(
        /^COPY [^\n]*supabase \.\/supabase$/m,
      );
    });

    it('sets a production environment that keeps data on the volume', () => {
      const env = dockerfileEnv(dockerfile);
      expect(env.NODE_ENV, 'Dockerfile NODE_ENV').toBe('production');
      expect(env.DATA_DIR, 'Dockerfile DATA_DIR').toBe('/app/data');
      expect(env.WHATSAPP_SESSION_PATH?.startsWith('/app/data/'), 'Dockerfile WHATSAPP_SESSION_PATH').toBe(true);
      expect(dockerfile, `Dockerfile EXPOSE ${env.PORT}`).toMatch(new RegExp(`^EXPOSE ${env.PORT}$`, 'm'));
    });
  });
});
