import { describe, expect, it } from 'vitest';
import { ConfigValidationError, generateEncryptionKey, loadConfig } from './app-config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs on a bare machine with nothing set: embedded database, local Redis, development', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.nodeEnv).toBe('development');
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.whatsappSessionPath).toBe(`${config.dataDir}/sessions`);
    expect(config.sessionStore).toBe('file');
    expect(config.openai.modelClient).toBe('gpt-4o-mini');
  });

  it('names the variable and what it expects when PORT is not a number', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT: got "abc", expected a TCP port number between 1 and 65535']);
  });

  it('lists every bad variable in one message instead of stopping at the first', () => {
    const problems = problemsOf({ PORT: '70000', APP_ROLE: 'both', SEED_DEMO: 'maybe', REDIS_URL: 'http://x' });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['PORT', 'APP_ROLE', 'REDIS_URL', 'SEED_DEMO']);
    expect(() => loadConfig({ PORT: '70000', APP_ROLE: 'both' })).toThrow(/2 problems[\s\S]*PORT[\s\S]*APP_ROLE/);
  });

  it('requires a database and an encryption key in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toContainEqual(expect.stringMatching(/^DATABASE_URL: required when NODE_ENV=production/));
    expect(problems).toContainEqual(expect.stringMatching(/^ENCRYPTION_KEY: required when NODE_ENV=production/));
    const ok = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db.example.com:5432/oxy',
      ENCRYPTION_KEY: generateEncryptionKey(),
    });
    expect(ok.encryptionKey).toHaveLength(32);
  });

  it('never echoes a secret value in its error', () => {
    const problems = problemsOf({ ADMIN_API_KEY: 'short-secret', ENCRYPTION_KEY: 'not-a-key' });
    expect(problems.join('\n')).not.toMatch(/short-secret|not-a-key/);
    expect(problems).toContainEqual(expect.stringMatching(/^ADMIN_API_KEY: got \(hidden\)/));
  });

  it('accepts JWT_SECRET as the seed names it, and rejects a short one', () => {
    const secret = 'x'.repeat(40);
    expect(loadConfig({ JWT_SECRET: secret }).supabase.jwtSecret).toBe(secret);
    expect(loadConfig({ SUPABASE_JWT_SECRET: secret, JWT_SECRET: 'y'.repeat(40) }).supabase.jwtSecret).toBe(secret);
    expect(problemsOf({ JWT_SECRET: 'short' })).toEqual([expect.stringMatching(/^SUPABASE_JWT_SECRET \(or JWT_SECRET\)/)]);
  });

  it('asks for Supabase credentials when media goes to Supabase Storage', () => {
    expect(problemsOf({ MEDIA_STORE: 'supabase' })).toEqual([
      'MEDIA_STORE=supabase: requires SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY',
    ]);
    expect(loadConfig({}).supabase.storageBucket).toBe('oxy-media');
    expect(problemsOf({ SUPABASE_STORAGE_BUCKET: 'Fotos dos Pets' })).toEqual([expect.stringMatching(/^SUPABASE_STORAGE_BUCKET: got "Fotos dos Pets", expected a Storage bucket name/)]);
  });

  it('reads CORS_ORIGINS as a list of origins or *, and names a path or another scheme as wrong', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/' }).http.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
    expect(loadConfig({}).http).toEqual({ rateLimitPerKeyPerMinute: 1200, rateLimitPerIpPerMinute: 3000, corsOrigins: [], trustProxyHops: 0 });
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com/dashboard,ftp://x' })).toEqual([
      'CORS_ORIGINS: got "https://app.example.com/dashboard,ftp://x", expected comma-separated http(s) origins such as https://app.example.com, or *; unset allows none',
    ]);
    expect(problemsOf({ RATE_LIMIT_PER_KEY_PER_MINUTE: '-1' })[0]).toMatch(/^RATE_LIMIT_PER_KEY_PER_MINUTE: got "-1"/);
  });
});
