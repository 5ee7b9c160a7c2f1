import { Inject, Injectable, Optional } from '@nestjs/common';
import { JsonLogger, OCTAVIA_CONFIG, OctaviaConfig } from '../../../../libs/common/src';
import { ApiFault } from '../common/api-fault';
import { RequestContext } from './request-context';
import { ACTIONS, ACTION_PREFIX, PolicyRule, defaultRules } from './policy-defaults';
import { PolicyFile } from './policy-file';
import { Check, Credentials, evaluate, parseCheck } from './policy-language';

export type { PolicyRule } from './policy-defaults';

/**
 * RBAC as upstream Octavia (spec §5): oslo.policy rules by upstream's names, the role scheme chosen by
 * `[oslo_policy] enforce_new_defaults` (keystone default roles, or the load-balancer_* roles of the
 * advanced RBAC), operator overrides from `[oslo_policy] policy_file` (YAML or JSON, reloaded when it
 * changes), and `enforce_scope` (system- or domain-scoped tokens are refused: every rule is project-scoped).
 *
 * noauth passes everything (every request is admin upstream); `testing` and `keystone` enforce.
 *
 * Callers ask for a generic kind ("read", "write", ...) with the target project. When the request's own
 * upstream actions (RequestContext.policyActions) include rules of that kind, those rules are evaluated
 * (all of them must pass, e.g. member batch update = post + put + delete); otherwise the building block
 * `load-balancer:<kind>` is.
 */
@Injectable()
export class PolicyService {
  private readonly file?: PolicyFile;
  private readonly parsed = new Map<string, Check>();
  private overrides: Record<string, string> = {};
  private readonly defaults: Record<string, string>;
  private readonly logger: JsonLogger;

  constructor(@Inject(OCTAVIA_CONFIG) private readonly config: OctaviaConfig, @Optional() logger?: JsonLogger) {
    this.logger = logger ?? new JsonLogger('api.policy');
    const policy = config.osloPolicy ?? { policyFile: '', enforceNewDefaults: true, enforceScope: true };
    this.defaults = defaultRules(policy.enforceNewDefaults);
    if (config.api.authStrategy !== 'noauth' && policy.policyFile) {
      this.file = new PolicyFile(policy.policyFile);
      // A broken file at start-up stops the service (configuration is validated at start-up).
      this.overrides = this.file.current();
    }
  }

  /** The effective check string of a rule (override, else default); undefined for an unknown name. */
  ruleText(name: string): string | undefined {
    this.refresh();
    return this.overrides[name] ?? this.defaults[name];
  }

  private refresh(): void {
    if (!this.file) return;
    try {
      const next = this.file.current();
      if (next !== this.overrides) {
        this.overrides = next;
        this.parsed.clear();
      }
    } catch (err) {
      // oslo.policy keeps enforcing the last good rules when a changed file does not parse.
      this.logger.error({ msg: 'policy file not reloaded', file: this.file.path, error: (err as Error).message });
    }
  }

  private rule(name: string): Check | undefined {
    const text = this.ruleText(name);
    if (text === undefined) return undefined;
    let check = this.parsed.get(name + '\0' + text);
    if (!check) {
      check = parseCheck(text);
      this.parsed.set(name + '\0' + text, check);
    }
    return check;
  }

  private credentials(ctx: RequestContext): Credentials {
    const creds: Credentials = {
      roles: ctx.roles,
      project_id: ctx.projectId ?? null,
      user_id: ctx.userId ?? null,
      is_admin: false,
      system_scope: ctx.systemScope ?? null,
      domain_id: ctx.domainId ?? null,
      user_domain_id: ctx.userDomainId ?? null,
      project_domain_id: ctx.projectDomainId ?? null,
      // oslo-context's legacy names, which policy files may use.
      tenant: ctx.projectId ?? null,
      tenant_id: ctx.projectId ?? null,
      user: ctx.userId ?? null,
    };
    // Octavia's context: is_admin comes from the `context_is_admin` rule.
    creds.is_admin = ctx.isAdmin || this.check('context_is_admin', creds, {});
    return creds;
  }

  private check(name: string, creds: Credentials, target: Record<string, unknown>): boolean {
    const rule = this.rule(name);
    if (!rule) return false;
    return evaluate(rule, { creds, target, rule: (n) => this.rule(n), depth: 0 });
  }

  /** The rule names a generic kind stands for in this request. */
  rulesFor(ctx: RequestContext, kind: PolicyRule): string[] {
    const actions = (ctx.policyActions ?? []).filter((a) => {
      if (kind === 'read-global' || kind === 'read-quota-global') return a.endsWith(':get_all-global');
      return ACTIONS[a] === kind && !a.endsWith(':get_all-global');
    });
    if (kind === 'read-global' || kind === 'read-quota-global') {
      // Lists ask for the global rule of their own get_all action.
      const lists = (ctx.policyActions ?? []).filter((a) => a.endsWith(':get_all')).map((a) => `${a}-global`).filter((a) => ACTIONS[a] === kind);
      if (lists.length) return lists.map((a) => ACTION_PREFIX + a);
    }
    if (actions.length) return actions.map((a) => ACTION_PREFIX + a);
    return [`load-balancer:${kind}`];
  }

  allows(ctx: RequestContext, rule: PolicyRule, targetProjectId?: string | null): boolean {
    if (this.config.api.authStrategy === 'noauth' || ctx.isAdmin) return true;
    // Every Octavia rule has scope_types=['project']: a system- or domain-scoped token is out of scope.
    if ((this.config.osloPolicy?.enforceScope ?? true) && (ctx.systemScope || (ctx.domainId && !ctx.projectId))) return false;
    const creds = this.credentials(ctx);
    const target: Record<string, unknown> = {};
    if (targetProjectId !== undefined && targetProjectId !== null) {
      target.project_id = targetProjectId;
      target.tenant_id = targetProjectId;
    }
    return this.rulesFor(ctx, rule).every((name) => this.check(name, creds, target));
  }

  enforce(ctx: RequestContext, rule: PolicyRule, targetProjectId?: string | null): void {
    if (!this.allows(ctx, rule, targetProjectId)) throw ApiFault.forbidden();
  }

  /**
   * For objects without an owner (flavors, AZs, providers, profiles, amphorae), upstream's target is the
   * caller's own project.
   */
  enforceOwnProject(ctx: RequestContext, rule: PolicyRule): void {
    this.enforce(ctx, rule, ctx.projectId ?? null);
  }

  /** Whether quotas are checked at all: upstream skips them entirely in noauth mode. */
  get quotasEnforced(): boolean {
    return this.config.api.authStrategy !== 'noauth';
  }
}
