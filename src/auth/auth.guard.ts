import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UnauthenticatedException } from './auth.exceptions.js';
import { bearerTokenOf } from './bearer-token.js';
import { CredentialsVerifier } from './credentials-verifier.js';
import { IS_ADMIN, IS_PUBLIC } from './tenant-context.js';

const ORGANIZATION_HEADER = 'x-organization-id';

/**
 * Every route needs a bearer token unless marked @Public(); admin routes take
 * only ADMIN_API_KEY. What a token means is CredentialsVerifier's business.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerTokenOf(request);
    if (token === null) throw new UnauthenticatedException('Missing credentials: send the header "Authorization: Bearer <api key>"');

    if (this.reflector.getAllAndOverride<boolean>(IS_ADMIN, targets)) {
      this.credentials.verifyAdmin(token);
      return true;
    }
    request.tenant = await this.credentials.resolveTenant(token, {
      requested: request.header(ORGANIZATION_HEADER),
      howToChoose: `with the ${ORGANIZATION_HEADER} header`,
    });
    return true;
  }
}
