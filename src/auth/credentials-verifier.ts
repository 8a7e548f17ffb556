import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isUuid } from '../database/database.js';
import { hashApiKey, looksLikeApiKey } from './api-key.js';
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
@Injectable()
export class CredentialsVerifier {
  private readonly jwtKey: Uint8Array | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly members: MembersRepository,
    private readonly usage: ApiKeyUsageRecorder,
  ) {
    this.jwtKey = config.supabase.jwtSecret === null ? null : new TextEncoder().encode(config.supabase.jwtSecret);
  }

  verifyAdmin(token: string): void {
    if (this.config.adminApiKey === null) throw new AdminApiDisabledException();
    if (!sameSecret(token, this.config.adminApiKey)) throw new UnauthenticatedException('Invalid admin API key');
  }

  async resolveTenant(token: string, organization: OrganizationChoice): Promise<TenantContext> {
    if (looksLikeApiKey(token)) {
      const key = await this.apiKeys.findActiveByHash(hashApiKey(token));
      if (key === null) throw new UnauthenticatedException('Invalid or revoked API key');
      this.usage.record(key.id);
      return { organizationId: key.organizationId, principal: { kind: 'api_key', apiKeyId: key.id } };
    }
    const userId = await this.verifyJwt(token);
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
    return { organizationId, principal: { kind: 'user', userId } };
  }

  private async verifyJwt(token: string): Promise<string> {
    if (this.jwtKey === null) throw new UnauthenticatedException('Invalid API key');
    try {
      const { payload } = await jwtVerify(token, this.jwtKey, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || !isUuid(payload.sub)) throw new Error('no user id');
      return payload.sub;
    } catch {
      throw new UnauthenticatedException('Invalid or expired token');
    }
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so lengths match and the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
