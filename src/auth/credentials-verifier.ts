import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isUuid } from '../database/database.js';
import { hashApiKey, looksLikeApiKey } from './api-key.js';
import { ApiKeyEvents } from './api-key-events.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder.js';
import { AdminApiDisabledException, UnauthenticatedException } from './auth.exceptions.js';
import { MembersRepository } from './members.repository.js';
import type { TenantContext } from './tenant-context.js';

/** For a user in several organizations: the one asked for, and how this transport lets a caller ask. */
export interface OrganizationChoice {
  requested: string | undefined;
  /** Ends the error message when no organization (or one the user is not in) was asked for. */
  howToChoose: string;
}

/**
 * Turns a token into the organization it acts for, the same way for every
 * transport (REST guard, Socket.IO handshake). Organization API keys and
 * Supabase user JWTs both resolve to one organization; ADMIN_API_KEY only
 * opens admin routes. Throws UnauthenticatedException with what is wrong.
 */
/**
 * How long a verified API key is trusted without asking the database again. A key
 * revoked in this process is dropped at once; other processes notice within this.
 */
const API_KEY_CACHE_TTL_MS = 5_000;
const API_KEY_CACHE_MAX = 10_000;

@Injectable()
export class CredentialsVerifier {
  private readonly jwtKey: Uint8Array | null;
  private readonly verifiedKeys = new Map<string, { id: string; organizationId: string; expiresAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly members: MembersRepository,
    private readonly usage: ApiKeyUsageRecorder,
    events: ApiKeyEvents,
  ) {
    this.jwtKey = config.supabase.jwtSecret === null ? null : new TextEncoder().encode(config.supabase.jwtSecret);
    // Revocations are rare: forgetting every cached key is simpler than tracking which hash was revoked.
    events.on('api_key:revoked', () => this.forgetVerifiedKeys());
  }

  /** A key was revoked, here or in another process (ApiKeyRevocationRelay): verify every key again. */
  forgetVerifiedKeys(): void {
    this.verifiedKeys.clear();
  }

  verifyAdmin(token: string): void {
    if (this.config.adminApiKey === null) throw new AdminApiDisabledException();
    if (!sameSecret(token, this.config.adminApiKey)) throw new UnauthenticatedException('Invalid admin API key');
  }

  async resolveTenant(token: string, organization: OrganizationChoice): Promise<TenantContext> {
    if (looksLikeApiKey(token)) {
      const key = await this.findApiKey(hashApiKey(token));
      if (key === null) throw new UnauthenticatedException('Invalid or revoked API key');
      this.usage.record(key.id);
      return { organizationId: key.organizationId, principal: { kind: 'api_key', apiKeyId: key.id } };
    }
    const { userId, expiresAt } = await this.verifyJwt(token);
    const organizations = await this.members.organizationsOf(userId);
    const organizationId =
      organization.requested === undefined && organizations.length === 1
        ? organizations[0]
        : organizations.find((id) => id === organization.requested);
    if (organizationId === undefined) {
      throw new UnauthenticatedException(
        organizations.length === 0
          ? 'This user is not a member of any organization'
          : `This user belongs to several organizations: choose one ${organization.howToChoose}`,
      );
    }
    return { organizationId, principal: { kind: 'user', userId, expiresAt } };
  }

  private async findApiKey(hash: string): Promise<{ id: string; organizationId: string } | null> {
    const cached = this.verifiedKeys.get(hash);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached;
    const key = await this.apiKeys.findActiveByHash(hash);
    this.verifiedKeys.delete(hash);
    if (key === null) return null;
    if (this.verifiedKeys.size >= API_KEY_CACHE_MAX) this.verifiedKeys.delete(this.verifiedKeys.keys().next().value as string);
    this.verifiedKeys.set(hash, { ...key, expiresAt: Date.now() + API_KEY_CACHE_TTL_MS });
    return key;
  }

  private async verifyJwt(token: string): Promise<{ userId: string; expiresAt: number | null }> {
    if (this.jwtKey === null) throw new UnauthenticatedException('Invalid API key');
    try {
      const { payload } = await jwtVerify(token, this.jwtKey, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || !isUuid(payload.sub)) throw new Error('no user id');
      return { userId: payload.sub, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null };
    } catch {
      throw new UnauthenticatedException('Invalid or expired token');
    }
  }
}

export function sameSecret(given: string, expected: string): boolean {
  // Hash first so lengths match and the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
