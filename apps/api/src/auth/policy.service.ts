import { Inject, Injectable } from '@nestjs/common';
import { OCTAVIA_CONFIG, OctaviaConfig } from '../../../../libs/common/src';
import { ApiFault } from '../common/api-fault';
import { RequestContext } from './request-context';

export type PolicyRule = 'read' | 'read-global' | 'write' | 'admin' | 'read-quota' | 'read-quota-global' | 'write-quota';

/**
 * The policy seam. noauth passes everything (every request is admin upstream); `testing` and `keystone`
 * apply upstream's HEAD defaults (keystone default roles admin/member/reader). The full RBAC with
 * selectable role schemes and operator overrides builds on this class.
 */
@Injectable()
export class PolicyService {
  constructor(@Inject(OCTAVIA_CONFIG) private readonly config: OctaviaConfig) {}

  allows(ctx: RequestContext, rule: PolicyRule, targetProjectId?: string | null): boolean {
    if (this.config.api.authStrategy === 'noauth' || ctx.isAdmin) return true;
    const roles = new Set(ctx.roles);
    const admin = roles.has('admin') || roles.has('load-balancer_admin');
    if (admin) return true;
    const owner = ctx.projectId !== undefined && targetProjectId !== undefined && targetProjectId !== null && ctx.projectId === targetProjectId;
    const member = owner && (roles.has('member') || roles.has('load-balancer_member'));
    const reader = owner && (roles.has('reader') || roles.has('load-balancer_observer'));
    const globalObserver = roles.has('load-balancer_global_observer');
    switch (rule) {
      case 'read':
        return member || reader || globalObserver;
      case 'read-global':
        return globalObserver;
      case 'write':
        return member;
      case 'read-quota':
        return member || reader || globalObserver || roles.has('load-balancer_quota_admin');
      case 'read-quota-global':
        return globalObserver || roles.has('load-balancer_quota_admin');
      case 'write-quota':
        return roles.has('load-balancer_quota_admin');
      case 'admin':
        return false;
    }
  }

  enforce(ctx: RequestContext, rule: PolicyRule, targetProjectId?: string | null): void {
    if (!this.allows(ctx, rule, targetProjectId)) throw ApiFault.forbidden();
  }

  /** Whether quotas are checked at all: upstream skips them entirely in noauth mode. */
  get quotasEnforced(): boolean {
    return this.config.api.authStrategy !== 'noauth';
  }
}
