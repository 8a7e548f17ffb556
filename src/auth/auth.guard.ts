import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { jwtVerify } from 'jose';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { isUuid } from '../database/database.js';
import { hashApiKey, looksLikeApiKey } from './api-key.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder.js';
import { AdminApiDisabledException, UnauthenticatedException } from './auth.exceptions.js';
import { MembersRepository } from './members.repository.js';
import { IS_ADMIN, IS_PUBLIC, type TenantContext } from './tenant-context.js';

const ORGANIZATION_HEADER = 'x-organization-id';

/**
 * Every route needs a bearer token unless marked @Public(). Organization API
 * keys and Supabase user JWTs both resolve to one organization; admin routes
 * take only ADMIN_API_KEY.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly jwtKey: Uint8Array | null;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly members: MembersRepository,
    private readonly usage: ApiKeyUsageRecorder,
  ) {
    this.jwtKey = config.supabase.jwtSecret === null ? null : new TextEncoder().encode(config.supabase.jwtSecret);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request);

    if (this.reflector.getAllAndOverride<boolean>(IS_ADMIN, targets)) {
      this.checkAdmin(token);
      return true;
    }
    request.tenant = await this.resolveTenant(token, request.header(ORGANIZATION_HEADER));
    return true;
  }

  private checkAdmin(token: string): void {
    if (this.config.adminApiKey === null) throw new AdminApiDisabledException();
    if (!sameSecret(token, this.config.adminApiKey)) throw new UnauthenticatedException('Invalid admin API key');
  }

  private async resolveTenant(token: string, requestedOrganization: string | undefined): Promise<TenantContext> {
    if (looksLikeApiKey(token)) {
      const key = await this.apiKeys.findActiveByHash(hashApiKey(token));
      if (key === null) throw new UnauthenticatedException('Invalid or revoked API key');
      this.usage.record(key.id);
      return { organizationId: key.organizationId, principal: { kind: 'api_key', apiKeyId: key.id } };
    }
    const userId = await this.verifyJwt(token);
    const organizations = await this.members.organizationsOf(userId);
    const organizationId =
      requestedOrganization === undefined && organizations.length === 1
        ? organizations[0]
        : organizations.find((id) => id === requestedOrganization);
    if (organizationId === undefined) {
      throw new UnauthenticatedException(
        organizations.length === 0
          ? 'This user is not a member of any organization'
          : `This user belongs to several organizations: choose one with the ${ORGANIZATION_HEADER} header`,
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

function bearerToken(request: Request): string {
  const header = request.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match === null) {
    throw new UnauthenticatedException('Missing credentials: send the header "Authorization: Bearer <api key>"');
  }
  return match[1];
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so lengths match and the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
