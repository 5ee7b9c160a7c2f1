/**
 * Upstream Octavia's policy rules by name (spec §5): the building blocks (`load-balancer:*`), and one
 * rule per API action (`os_load-balancer_api:<object>:<action>`). Two sets of building blocks:
 *
 * - NEW_DEFAULTS (`[oslo_policy] enforce_new_defaults = true`, upstream's default since 16.0.0): the
 *   keystone default roles admin / member / reader;
 * - ADVANCED_RBAC (`enforce_new_defaults = false`): the Octavia roles load-balancer_observer,
 *   load-balancer_global_observer, load-balancer_member, load-balancer_quota_admin, load-balancer_admin
 *   (the effective defaults of 11.0.0 ... 15.x, upstream's octavia-advanced-rbac-policy.yaml).
 *
 * A policy file (`[oslo_policy] policy_file`) overrides any rule of either set by name.
 */

/** The generic rule kinds the resource services ask for. */
export type PolicyRule = 'read' | 'read-global' | 'write' | 'admin' | 'read-quota' | 'read-quota-global' | 'write-quota';

const COMPOSED: Record<string, string> = {
  'load-balancer:owner': 'project_id:%(project_id)s',
  'load-balancer:read':
    'rule:load-balancer:observer_and_owner or rule:load-balancer:global_observer or rule:load-balancer:member_and_owner or rule:load-balancer:admin',
  'load-balancer:read-global': 'rule:load-balancer:global_observer or rule:load-balancer:admin',
  'load-balancer:write': 'rule:load-balancer:member_and_owner or rule:load-balancer:admin',
  'load-balancer:read-quota':
    'rule:load-balancer:observer_and_owner or rule:load-balancer:global_observer or rule:load-balancer:member_and_owner or rule:load-balancer:quota-admin or rule:load-balancer:admin',
  'load-balancer:read-quota-global': 'rule:load-balancer:global_observer or rule:load-balancer:quota-admin or rule:load-balancer:admin',
  'load-balancer:write-quota': 'rule:load-balancer:quota-admin or rule:load-balancer:admin',
};

export const NEW_DEFAULTS: Record<string, string> = {
  context_is_admin: 'role:admin',
  'load-balancer:admin': 'is_admin:True or role:admin',
  'project-member': 'role:member and project_id:%(project_id)s',
  'project-reader': 'role:reader and project_id:%(project_id)s',
  service: 'role:service',
  'load-balancer:member_and_owner': 'rule:project-member',
  'load-balancer:observer_and_owner': 'rule:project-reader',
  'load-balancer:global_observer': 'role:admin',
  'load-balancer:quota-admin': 'role:admin',
  ...COMPOSED,
};

export const ADVANCED_RBAC: Record<string, string> = {
  context_is_admin: 'role:admin or role:load-balancer_admin',
  'load-balancer:admin': 'is_admin:True or role:admin or role:load-balancer_admin',
  'project-member': 'role:member and project_id:%(project_id)s',
  'project-reader': 'role:reader and project_id:%(project_id)s',
  service: 'role:service',
  'load-balancer:member_and_owner': 'role:load-balancer_member and rule:load-balancer:owner',
  'load-balancer:observer_and_owner': 'role:load-balancer_observer and rule:load-balancer:owner',
  'load-balancer:global_observer': 'role:load-balancer_global_observer',
  'load-balancer:quota-admin': 'role:load-balancer_quota_admin',
  ...COMPOSED,
};

export const ACTION_PREFIX = 'os_load-balancer_api:';

/** Every per-action rule with the generic kind its default stands for. */
export const ACTIONS: Record<string, PolicyRule> = {};
const ACTION_DEFAULTS: Record<string, string> = {};

function define(object: string, actions: Record<string, PolicyRule>, overrides: Record<string, string> = {}): void {
  for (const [action, kind] of Object.entries(actions)) {
    const name = `${object}:${action}`;
    ACTIONS[name] = kind;
    ACTION_DEFAULTS[ACTION_PREFIX + name] = overrides[action] ?? `rule:load-balancer:${kind}`;
  }
}

const TREE = { get_all: 'read', 'get_all-global': 'read-global', post: 'write', get_one: 'read', put: 'write', delete: 'write' } as const;
define('loadbalancer', { ...TREE, 'post:vip_sg_ids': 'write', 'put:vip_sg_ids': 'write', get_stats: 'read', get_status: 'read', put_failover: 'admin' });
define('listener', { ...TREE, get_stats: 'read' });
define('pool', TREE);
define('member', { get_all: 'read', post: 'write', get_one: 'read', put: 'write', delete: 'write' }, { get_all: 'rule:load-balancer:read or rule:service' });
define('healthmonitor', TREE);
define('l7policy', TREE);
define('l7rule', { get_all: 'read', post: 'write', get_one: 'read', put: 'write', delete: 'write' });
define('quota', { get_all: 'read-quota', 'get_all-global': 'read-quota-global', get_one: 'read-quota', get_defaults: 'read-quota', put: 'write-quota', delete: 'write-quota' });
define('provider', { get_all: 'read' });
define('provider-flavor', { get_all: 'admin' });
define('provider-availability-zone', { get_all: 'admin' });
define('flavor', { get_all: 'read', get_one: 'read', post: 'admin', put: 'admin', delete: 'admin' });
define('flavor-profile', { get_all: 'admin', get_one: 'admin', post: 'admin', put: 'admin', delete: 'admin' });
define('availability-zone', { get_all: 'read', get_one: 'read', post: 'admin', put: 'admin', delete: 'admin' });
define('availability-zone-profile', { get_all: 'admin', get_one: 'admin', post: 'admin', put: 'admin', delete: 'admin' });
define('amphora', { get_all: 'admin', get_one: 'admin', delete: 'admin', put_config: 'admin', put_failover: 'admin', get_stats: 'admin' });

/** The full default rule set of one role scheme: building blocks plus one rule per action. */
export function defaultRules(enforceNewDefaults: boolean): Record<string, string> {
  return { ...(enforceNewDefaults ? NEW_DEFAULTS : ADVANCED_RBAC), ...ACTION_DEFAULTS };
}
