import { randomBytes } from 'node:crypto';
import { ADMIN_URL } from './throwaway-postgres.js';

/**
 * The settings of an app that a benchmark loads through its API: on the
 * throwaway database, its own Redis prefix, sends unpaced, and the rate limits
 * out of the way (one client address and one key send everything: counted,
 * since their cost is part of the figure, never refused).
 */
export function appUnderLoadEnvironment(databaseName: string, adminKey: string): Record<string, string> {
  return {
    DATABASE_URL: Object.assign(new URL(ADMIN_URL), { pathname: `/${databaseName}` }).toString(),
    REDIS_PREFIX: `bench:${randomBytes(4).toString('hex')}`,
    ADMIN_API_KEY: adminKey,
    OUTBOUND_MIN_GAP_MS: '0',
    OUTBOUND_JITTER_MS: '0',
    RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
  };
}
