import type { Request } from 'express';
import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

export type Principal =
  | { kind: 'api_key'; apiKeyId: string }
  /** `expiresAt`: when the user's token stops being valid (epoch ms); a long-lived connection must end then. */
  | { kind: 'user'; userId: string; expiresAt: number | null }
  | { kind: 'admin' };

/** Who is calling and for which organization; set by AuthGuard, read by handlers. */
export interface TenantContext {
  organizationId: string;
  principal: Principal;
}

declare module 'express-serve-static-core' {
  interface Request {
    tenant?: TenantContext;
  }
}

export const IS_PUBLIC = 'oxy:public';
export const IS_ADMIN = 'oxy:admin';

/** No authentication (health, docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Only the deployment's ADMIN_API_KEY. */
export const AdminOnly = () => SetMetadata(IS_ADMIN, true);

export const CurrentTenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantContext => {
  const tenant = context.switchToHttp().getRequest<Request>().tenant;
  if (tenant === undefined) throw new Error('CurrentTenant used on a route without an authenticated organization');
  return tenant;
});
