import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling, built from the identity headers (trusted as sent in noauth/testing, set by token validation in keystone mode). */
export interface RequestContext {
  projectId?: string;
  userId?: string;
  roles: string[];
  /** noauth treats every request as admin, as upstream does. */
  isAdmin: boolean;
  authToken?: string;
  requestId?: string;
  projectName?: string;
  userName?: string;
  domainId?: string;
  userDomainId?: string;
  projectDomainId?: string;
  /** `all` for a system-scoped token (keystone) or the `OpenStack-System-Scope` header (testing). */
  systemScope?: string;
  /** The upstream policy actions this request is checked against (policy-actions.ts); set by the auth middleware. */
  policyActions?: string[];
}

function header(req: Request, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = req.headers[name.toLowerCase()];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** The context from identity headers as sent (spec §4.2: the first header present wins). */
export function contextFromHeaders(req: Request, isAdmin: boolean): RequestContext {
  const roles = (header(req, 'X-Roles', 'X-Role') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  return {
    projectId: header(req, 'X-Project-Id', 'X-Tenant-Id', 'X-Tenant'),
    userId: header(req, 'X-User-Id', 'X-User'),
    roles,
    isAdmin,
    authToken: header(req, 'X-Auth-Token', 'X-Storage-Token'),
    requestId: (req as Request & { requestId?: string }).requestId,
    projectName: header(req, 'X-Project-Name', 'X-Tenant-Name'),
    userName: header(req, 'X-User-Name'),
    domainId: header(req, 'X-Domain-Id'),
    userDomainId: header(req, 'X-User-Domain-Id'),
    projectDomainId: header(req, 'X-Project-Domain-Id'),
    systemScope: header(req, 'OpenStack-System-Scope'),
  };
}

/** Injects the caller's RequestContext that the auth middleware attached to the request. */
export const Ctx = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestContext => {
  const req = ctx.switchToHttp().getRequest<Request & { octaviaContext?: RequestContext }>();
  return req.octaviaContext ?? contextFromHeaders(req, false);
});
