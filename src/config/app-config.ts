import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Whether this process hosts WhatsApp sockets (and so receives their
 * messages): every role but `api`, which serves HTTP only.
 */
export function holdsSockets(config: Pick<AppConfig, 'appRole'>): boolean {
  return config.appRole !== 'api';
}

/**
 * The one typed view of the environment. Built once at boot by `loadConfig`;
 * nothing else in the code base reads `process.env`.
 */
export interface AppConfig {
  port: number;
  appRole: 'all' | 'api' | 'worker';
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  databaseUrl: string | null;
  databasePoolSize: number;
  redisUrl: string;
  redisPrefix: string;
  adminApiKey: string | null;
  seedDemo: boolean;
  supabase: {
    url: string | null;
    anonKey: string | null;
    serviceRoleKey: string | null;
    jwtSecret: string | null;
    /** The private Storage bucket media go to with MEDIA_STORE=supabase. */
    storageBucket: string;
  };
  encryptionKey: Buffer | null;
  openai: {
    apiKey: string | null;
    baseUrl: string | null;
    modelClient: string;
    modelAurora: string;
    /** Per attempt; retries come on top. */
    timeoutMs: number;
  };
  whatsappSessionPath: string;
  sessionStore: 'file' | 'postgres';
  mediaStore: 'local' | 'supabase';
  metricsToken: string | null;
  bodyLimit: string;
  shutdownTimeoutMs: number;
  whatsapp: {
    leaseTtlMs: number;
    restoreStaggerMs: number;
    outboundMinGapMs: number;
    outboundJitterMs: number;
    /** How long a queued send waits, without spending its retries, for its instance's socket to come back (a restart, a reconnect). */
    outboundReconnectWaitMs: number;
    mediaMaxBytes: number;
    /** How long a customer's media may take to download before the message goes on without it. */
    mediaDownloadTimeoutMs: number;
    /** Where Baileys connects; null for WhatsApp's own servers. */
    webSocketUrl: string | null;
    /** Media URLs may reach private and loopback addresses (development and tests only). */
    mediaUrlAllowPrivate: boolean;
  };
  automation: {
    /** How often Aurora's scheduler looks for shops whose daily summary is due (one tick per slot across processes). */
    tickIntervalMs: number;
  };
  inbound: {
    /** Inbound jobs one process runs at once (turns of different contacts). */
    concurrency: number;
    /** Group chats are stored and never answered when false; dropped at intake when true. */
    ignoreGroups: boolean;
    /** Turns per contact per rolling minute; messages beyond wait for the next turn the window allows. */
    rateLimitPerMinute: number;
    /** How often the sweepers look for messages, and campaigns sending, whose job was lost. */
    sweepIntervalMs: number;
    /** How old a message left `received` (or a reply left `queued`) must be before the sweeper re-enqueues it. */
    sweepAfterMs: number;
    /** Largest size of the local spool that holds messages while PostgreSQL is down (DATA_DIR/inbound-spool). */
    spoolMaxBytes: number;
    /** A conversation with a person goes back to the bot after this long without a change of state or a staff message. */
    handoffTimeoutMs: number;
    /** Messages of history given to the agent. */
    historyLimit: number;
  };
  http: {
    /** REST requests per credential (API key or JWT) per minute; 0 turns the limit off. */
    rateLimitPerKeyPerMinute: number;
    /** REST requests per client IP per minute, with or without credentials; 0 turns the limit off. */
    rateLimitPerIpPerMinute: number;
    /** Browser origins allowed to call the API and Socket.IO; empty: none, `['*']`: any. */
    corsOrigins: string[];
    /** Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client IP. */
    trustProxyHops: number;
  };
}

/** Injection token for the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

type Env = Record<string, string | undefined>;

interface VariableSpec {
  /** What the value must look like, in words an operator can act on. */
  expected: string;
  default?: string;
  /** Required when NODE_ENV=production (there is no safe default for a live shop). */
  requiredInProduction?: boolean;
  secret?: boolean;
}

/**
 * Every variable the service understands. `.env.example`, `render.yaml` and
 * `docker-compose.yml` are checked against this list by a test.
 */
export const CONFIG_VARIABLES: Record<string, VariableSpec> = {
  PORT: { expected: 'a TCP port number between 1 and 65535', default: '3000' },
  APP_ROLE: { expected: 'one of all, api, worker', default: 'all' },
  NODE_ENV: { expected: 'one of development, production, test', default: 'development' },
  LOG_LEVEL: { expected: 'one of fatal, error, warn, info, debug, trace, silent', default: 'info' },
  DATA_DIR: { expected: 'a directory path for local data (embedded database, sessions, media)', default: './data' },
  DATABASE_URL: {
    expected: 'a postgres:// or postgresql:// connection string; unset to use the embedded database',
    requiredInProduction: true,
    secret: true,
  },
  DATABASE_POOL_SIZE: { expected: 'an integer between 1 and 100', default: '20' },
  REDIS_URL: { expected: 'a redis:// or rediss:// URL', default: 'redis://127.0.0.1:6379', secret: true },
  REDIS_PREFIX: { expected: 'letters, digits, dash, underscore or colon (1-64 characters)', default: 'oxy' },
  ADMIN_API_KEY: { expected: 'at least 24 characters; unset disables the admin API', secret: true },
  SEED_DEMO: { expected: 'true or false', default: 'true' },
  SUPABASE_URL: { expected: 'an https:// URL of the Supabase project' },
  SUPABASE_ANON_KEY: { expected: 'the Supabase anon key', secret: true },
  SUPABASE_SERVICE_ROLE_KEY: { expected: 'the Supabase service-role key', secret: true },
  SUPABASE_JWT_SECRET: { expected: 'the Supabase JWT secret, at least 32 characters', secret: true },
  JWT_SECRET: { expected: 'alias of SUPABASE_JWT_SECRET, at least 32 characters', secret: true },
  SUPABASE_STORAGE_BUCKET: {
    expected: 'a Storage bucket name: 3-63 lowercase letters, digits, dots, dashes or underscores',
    default: 'oxy-media',
  },
  ENCRYPTION_KEY: {
    expected: '32 bytes as 64 hex characters or base64 (generate with: openssl rand -hex 32)',
    requiredInProduction: true,
    secret: true,
  },
  OPENAI_API_KEY: { expected: 'an OpenAI API key; unset runs the agents in offline mode', secret: true },
  OPENAI_BASE_URL: { expected: 'an http(s):// URL of an OpenAI-compatible API' },
  OPENAI_MODEL_CLIENT: { expected: 'a model name', default: 'gpt-4o-mini' },
  OPENAI_MODEL_AURORA: { expected: 'a model name', default: 'gpt-4o' },
  OPENAI_TIMEOUT_MS: { expected: 'an integer of milliseconds between 1000 and 120000', default: '20000' },
  WHATSAPP_SESSION_PATH: { expected: 'a directory path for WhatsApp sessions', default: '<DATA_DIR>/sessions' },
  SESSION_STORE: { expected: 'one of file, postgres', default: 'file' },
  MEDIA_STORE: { expected: 'one of local, supabase', default: 'local' },
  METRICS_TOKEN: { expected: 'at least 16 characters; unset disables /metrics', secret: true },
  HTTP_BODY_LIMIT: { expected: 'a size such as 1mb or 512kb', default: '1mb' },
  SHUTDOWN_TIMEOUT_MS: { expected: 'an integer of milliseconds between 1000 and 120000', default: '15000' },
  WHATSAPP_LEASE_TTL_MS: { expected: 'an integer of milliseconds between 3000 and 600000', default: '30000' },
  WHATSAPP_RESTORE_STAGGER_MS: { expected: 'an integer of milliseconds between 0 and 60000', default: '250' },
  OUTBOUND_MIN_GAP_MS: { expected: 'an integer of milliseconds between 0 and 60000', default: '1000' },
  OUTBOUND_JITTER_MS: { expected: 'an integer of milliseconds between 0 and 60000', default: '500' },
  OUTBOUND_RECONNECT_WAIT_MS: { expected: 'an integer of milliseconds between 0 and 86400000', default: '600000' },
  MEDIA_MAX_BYTES: { expected: 'an integer of bytes between 1024 and 104857600', default: '16777216' },
  MEDIA_DOWNLOAD_TIMEOUT_MS: { expected: 'an integer of milliseconds between 1000 and 600000', default: '20000' },
  WHATSAPP_WS_URL: { expected: "a ws:// or wss:// URL; unset uses WhatsApp's own servers" },
  MEDIA_URL_ALLOW_PRIVATE: { expected: 'true or false', default: 'false' },
  INBOUND_CONCURRENCY: { expected: 'an integer between 1 and 500', default: '20' },
  INBOUND_IGNORE_GROUPS: { expected: 'true or false', default: 'true' },
  INBOUND_RATE_LIMIT_PER_MINUTE: { expected: 'an integer between 1 and 10000', default: '5' },
  INBOUND_SWEEP_INTERVAL_MS: { expected: 'an integer of milliseconds between 200 and 3600000', default: '15000' },
  INBOUND_SWEEP_AFTER_MS: { expected: 'an integer of milliseconds between 100 and 3600000', default: '30000' },
  INBOUND_SPOOL_MAX_BYTES: { expected: 'an integer of bytes between 65536 and 1073741824', default: '67108864' },
  HANDOFF_TIMEOUT_HOURS: { expected: 'a number of hours between 0.01 and 720', default: '12' },
  CONVERSATION_HISTORY_LIMIT: { expected: 'an integer between 0 and 200', default: '20' },
  RATE_LIMIT_PER_KEY_PER_MINUTE: { expected: 'an integer between 0 (no limit) and 1000000', default: '1200' },
  RATE_LIMIT_PER_IP_PER_MINUTE: { expected: 'an integer between 0 (no limit) and 1000000', default: '3000' },
  CORS_ORIGINS: { expected: 'comma-separated http(s) origins such as https://app.example.com, or *; unset allows none' },
  TRUST_PROXY_HOPS: { expected: 'an integer between 0 and 10', default: '0' },
  AUTOMATION_TICK_INTERVAL_MS: { expected: 'an integer of milliseconds between 1000 and 3600000', default: '60000' },
};

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        '\nFix these environment variables (see .env.example) and start again.',
    );
    this.name = 'ConfigValidationError';
  }
}

/** Validates the whole environment at once so an operator sees every problem in one go. */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);

  const nodeEnv = reader.oneOf('NODE_ENV', ['development', 'production', 'test'] as const);
  const dataDir = resolve(reader.string('DATA_DIR'));
  const jwtSecret = reader.optional('SUPABASE_JWT_SECRET') ?? reader.optional('JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32) {
    problems.push(`SUPABASE_JWT_SECRET (or JWT_SECRET): expected ${CONFIG_VARIABLES.SUPABASE_JWT_SECRET.expected}`);
  }
  const sessionPath = reader.optional('WHATSAPP_SESSION_PATH');

  const config: AppConfig = {
    port: reader.integer('PORT', 1, 65535),
    appRole: reader.oneOf('APP_ROLE', ['all', 'api', 'worker'] as const),
    nodeEnv,
    logLevel: reader.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    dataDir,
    databaseUrl: reader.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: reader.integer('DATABASE_POOL_SIZE', 1, 100),
    redisUrl: reader.url('REDIS_URL', ['redis:', 'rediss:']) ?? '',
    redisPrefix: reader.matching('REDIS_PREFIX', /^[A-Za-z0-9_:-]{1,64}$/),
    adminApiKey: reader.minLength('ADMIN_API_KEY', 24),
    seedDemo: reader.boolean('SEED_DEMO'),
    supabase: {
      url: reader.url('SUPABASE_URL', ['https:', 'http:']),
      anonKey: reader.optional('SUPABASE_ANON_KEY'),
      serviceRoleKey: reader.optional('SUPABASE_SERVICE_ROLE_KEY'),
      jwtSecret,
      storageBucket: reader.matching('SUPABASE_STORAGE_BUCKET', /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/),
    },
    encryptionKey: reader.key32('ENCRYPTION_KEY'),
    openai: {
      apiKey: reader.optional('OPENAI_API_KEY'),
      baseUrl: reader.url('OPENAI_BASE_URL', ['https:', 'http:']),
      modelClient: reader.string('OPENAI_MODEL_CLIENT'),
      modelAurora: reader.string('OPENAI_MODEL_AURORA'),
      timeoutMs: reader.integer('OPENAI_TIMEOUT_MS', 1000, 120000),
    },
    whatsappSessionPath: sessionPath === null ? join(dataDir, 'sessions') : resolve(sessionPath),
    sessionStore: reader.oneOf('SESSION_STORE', ['file', 'postgres'] as const),
    mediaStore: reader.oneOf('MEDIA_STORE', ['local', 'supabase'] as const),
    metricsToken: reader.minLength('METRICS_TOKEN', 16),
    bodyLimit: reader.matching('HTTP_BODY_LIMIT', /^\d+(b|kb|mb)$/i),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 1000, 120000),
    whatsapp: {
      leaseTtlMs: reader.integer('WHATSAPP_LEASE_TTL_MS', 3000, 600000),
      restoreStaggerMs: reader.integer('WHATSAPP_RESTORE_STAGGER_MS', 0, 60000),
      outboundMinGapMs: reader.integer('OUTBOUND_MIN_GAP_MS', 0, 60000),
      outboundJitterMs: reader.integer('OUTBOUND_JITTER_MS', 0, 60000),
      outboundReconnectWaitMs: reader.integer('OUTBOUND_RECONNECT_WAIT_MS', 0, 86400000),
      mediaMaxBytes: reader.integer('MEDIA_MAX_BYTES', 1024, 104857600),
      mediaDownloadTimeoutMs: reader.integer('MEDIA_DOWNLOAD_TIMEOUT_MS', 1000, 600000),
      webSocketUrl: reader.url('WHATSAPP_WS_URL', ['ws:', 'wss:']),
      mediaUrlAllowPrivate: reader.boolean('MEDIA_URL_ALLOW_PRIVATE'),
    },
    inbound: {
      concurrency: reader.integer('INBOUND_CONCURRENCY', 1, 500),
      ignoreGroups: reader.boolean('INBOUND_IGNORE_GROUPS'),
      rateLimitPerMinute: reader.integer('INBOUND_RATE_LIMIT_PER_MINUTE', 1, 10000),
      sweepIntervalMs: reader.integer('INBOUND_SWEEP_INTERVAL_MS', 200, 3600000),
      sweepAfterMs: reader.integer('INBOUND_SWEEP_AFTER_MS', 100, 3600000),
      spoolMaxBytes: reader.integer('INBOUND_SPOOL_MAX_BYTES', 65536, 1073741824),
      handoffTimeoutMs: Math.round(reader.number('HANDOFF_TIMEOUT_HOURS', 0.01, 720) * 3600_000),
      historyLimit: reader.integer('CONVERSATION_HISTORY_LIMIT', 0, 200),
    },
    http: {
      rateLimitPerKeyPerMinute: reader.integer('RATE_LIMIT_PER_KEY_PER_MINUTE', 0, 1_000_000),
      rateLimitPerIpPerMinute: reader.integer('RATE_LIMIT_PER_IP_PER_MINUTE', 0, 1_000_000),
      corsOrigins: reader.origins('CORS_ORIGINS'),
      trustProxyHops: reader.integer('TRUST_PROXY_HOPS', 0, 10),
    },
    automation: {
      tickIntervalMs: reader.integer('AUTOMATION_TICK_INTERVAL_MS', 1000, 3600000),
    },
  };

  if (nodeEnv === 'production') {
    for (const [name, spec] of Object.entries(CONFIG_VARIABLES)) {
      if (spec.requiredInProduction && reader.optional(name) === null) {
        problems.push(`${name}: required when NODE_ENV=production; expected ${spec.expected}`);
      }
    }
  }
  if (config.mediaStore === 'supabase' && (config.supabase.url === null || config.supabase.serviceRoleKey === null)) {
    problems.push('MEDIA_STORE=supabase: requires SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
  }

  if (problems.length > 0) throw new ConfigValidationError([...new Set(problems)]);
  return config;
}

/** A random 32-byte key in the format ENCRYPTION_KEY expects, for docs and tests. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('hex');
}

/** The OS temp dir, where file stores fall back when their configured folder is not writable. */
export function fallbackDirectory(name: string): string {
  return join(tmpdir(), 'oxy', name);
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | null {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  }

  string(name: string): string {
    return this.optional(name) ?? CONFIG_VARIABLES[name]?.default ?? '';
  }

  integer(name: string, min: number, max: number): number {
    const raw = this.string(name);
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(name, raw);
      return min;
    }
    return value;
  }

  number(name: string, min: number, max: number): number {
    const raw = this.string(name);
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isNaN(value) || value < min || value > max) {
      this.fail(name, raw);
      return min;
    }
    return value;
  }

  boolean(name: string): boolean {
    const raw = this.string(name).toLowerCase();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.fail(name, raw);
    return false;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const raw = this.string(name);
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.fail(name, raw);
    return allowed[0];
  }

  matching(name: string, pattern: RegExp): string {
    const raw = this.string(name);
    if (!pattern.test(raw)) this.fail(name, raw);
    return raw;
  }

  minLength(name: string, length: number): string | null {
    const raw = this.optional(name);
    if (raw !== null && raw.length < length) this.fail(name, raw);
    return raw;
  }

  url(name: string, protocols: string[]): string | null {
    const raw = this.optional(name) ?? CONFIG_VARIABLES[name]?.default ?? null;
    if (raw === null) return null;
    try {
      if (protocols.includes(new URL(raw).protocol)) return raw;
    } catch {
      // reported below, with what was expected
    }
    this.fail(name, raw);
    return null;
  }

  /** Comma-separated origins (scheme, host and port only), or a lone `*`. */
  origins(name: string): string[] {
    const raw = this.optional(name);
    if (raw === null) return [];
    const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    if (entries.length === 1 && entries[0] === '*') return ['*'];
    const valid = entries.every((entry) => {
      try {
        const url = new URL(entry);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry.replace(/\/$/, '');
      } catch {
        return false;
      }
    });
    if (!valid || entries.length === 0) this.fail(name, raw);
    return entries.map((entry) => entry.replace(/\/$/, ''));
  }

  key32(name: string): Buffer | null {
    const raw = this.optional(name);
    if (raw === null) return null;
    const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32) {
      this.fail(name, raw);
      return null;
    }
    return key;
  }

  private fail(name: string, raw: string): void {
    const spec = CONFIG_VARIABLES[name];
    const shown = spec?.secret ? '(hidden)' : JSON.stringify(raw);
    this.problems.push(`${name}: got ${shown}, expected ${spec?.expected ?? 'a valid value'}`);
  }
}

/** The process environment, read here and nowhere else. */
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}
