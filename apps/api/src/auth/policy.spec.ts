import { OctaviaConfig } from '../../../../libs/common/src';
import { actionsFor } from './policy-actions';
import { parsePolicyText } from './policy-file';
import { PolicySyntaxError, evaluate, parseCheck } from './policy-language';
import { PolicyService } from './policy.service';
import { RequestContext } from './request-context';
import { LruCache } from './lru-cache';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const ev = (text: string, creds: Record<string, unknown>, target: Record<string, unknown> = {}, rules: Record<string, string> = {}) =>
  evaluate(parseCheck(text), { creds: { roles: [], is_admin: false, ...creds } as never, target, rule: (n) => (rules[n] ? parseCheck(rules[n]) : undefined), depth: 0 });

describe('oslo.policy check language', () => {
  it('evaluates roles case-insensitively, project matches and precedence', () => {
    expect(ev('role:Admin', { roles: ['admin'] })).toBe(true);
    expect(ev('role:member and project_id:%(project_id)s', { roles: ['member'], project_id: 'p1' }, { project_id: 'p1' })).toBe(true);
    expect(ev('role:member and project_id:%(project_id)s', { roles: ['member'], project_id: 'p1' }, { project_id: 'p2' })).toBe(false);
    expect(ev('role:member and project_id:%(project_id)s', { roles: ['member'], project_id: 'p1' }, {})).toBe(false);
    // not > and > or
    expect(ev('role:a or role:b and role:c', { roles: ['a'] })).toBe(true);
    expect(ev('(role:a or role:b) and role:c', { roles: ['a'] })).toBe(false);
    expect(ev('not role:a and role:b', { roles: ['b'] })).toBe(true);
    expect(ev('@', {})).toBe(true);
    expect(ev('!', {})).toBe(false);
    expect(ev('', {})).toBe(true);
    expect(ev('is_admin:True', { is_admin: true })).toBe(true);
    expect(ev('is_admin:True', { is_admin: false })).toBe(false);
    expect(ev("'member':%(role)s", {}, { role: 'member' })).toBe(true);
  });

  it('follows rule: references and treats unknown rules as false', () => {
    expect(ev('rule:x', { roles: ['a'] }, {}, { x: 'role:a' })).toBe(true);
    expect(ev('rule:missing', { roles: ['a'] })).toBe(false);
    expect(() => ev('rule:loop', {}, {}, { loop: 'rule:loop' })).toThrow(PolicySyntaxError);
  });

  it('refuses malformed check strings', () => {
    for (const bad of ['role:a and', '(role:a', 'role:a)', 'and role:a', 'justtext', 'role:a or or role:b', "role:'a"]) {
      expect(() => parseCheck(bad)).toThrow(PolicySyntaxError);
    }
  });
});

describe('policy files', () => {
  it('reads YAML with quoted and plain names holding colons, and JSON', () => {
    const yaml = [
      '# overrides',
      '"os_load-balancer_api:loadbalancer:delete": "rule:load-balancer:admin"',
      "load-balancer:global_observer: role:auditor or role:admin  # comment",
      "'context_is_admin': 'role:boss'",
      '',
    ].join('\n');
    expect(parsePolicyText(yaml)).toEqual({
      'os_load-balancer_api:loadbalancer:delete': 'rule:load-balancer:admin',
      'load-balancer:global_observer': 'role:auditor or role:admin',
      context_is_admin: 'role:boss',
    });
    expect(parsePolicyText('{"a": "role:x"}')).toEqual({ a: 'role:x' });
  });

  it('refuses a file with a bad line, a bad check or list-style rules', () => {
    expect(() => parsePolicyText('no separator here')).toThrow(/line 1/);
    expect(() => parsePolicyText('"a": "role:x and"')).toThrow(/rule "a"/);
    expect(() => parsePolicyText('{"a": [["role:x"]]}')).toThrow(/list-style/);
    expect(() => parsePolicyText('"a": "unterminated')).toThrow(/quote/);
  });
});

describe('request → upstream policy actions', () => {
  it('maps routes as upstream names them', () => {
    expect(actionsFor('GET', '/v2/loadbalancers')).toEqual(['loadbalancer:get_all']);
    expect(actionsFor('GET', '/v2/lbaas/loadbalancers/x')).toEqual(['loadbalancer:get_one']);
    expect(actionsFor('POST', '/v2/loadbalancers', {}, { loadbalancer: { vip_sg_ids: [] } })).toEqual(['loadbalancer:post', 'loadbalancer:post:vip_sg_ids']);
    expect(actionsFor('PUT', '/v2/loadbalancers/x/failover')).toEqual(['loadbalancer:put_failover']);
    expect(actionsFor('GET', '/v2/loadbalancers/x/status')).toEqual(['loadbalancer:get_status']);
    expect(actionsFor('PUT', '/v2/pools/p/members')).toEqual(['member:post', 'member:put', 'member:delete']);
    expect(actionsFor('PUT', '/v2/pools/p/members', { additive_only: 'True' })).toEqual(['member:post', 'member:put']);
    expect(actionsFor('DELETE', '/v2/l7policies/p/rules/r')).toEqual(['l7rule:delete']);
    expect(actionsFor('GET', '/v2/quotas/p/default')).toEqual(['quota:get_defaults']);
    expect(actionsFor('GET', '/v2/providers/amphora/flavor_capabilities')).toEqual(['provider-flavor:get_all']);
    expect(actionsFor('PUT', '/v2/octavia/amphorae/a/config')).toEqual(['amphora:put_config']);
    expect(actionsFor('GET', '/healthcheck')).toEqual([]);
  });
});

function service(authStrategy: 'testing' | 'noauth', policy: Partial<OctaviaConfig['osloPolicy']> = {}): PolicyService {
  const config = { api: { authStrategy }, osloPolicy: { policyFile: '', enforceNewDefaults: true, enforceScope: true, ...policy } } as unknown as OctaviaConfig;
  return new PolicyService(config);
}
const ctx = (roles: string[], projectId: string | undefined, policyActions: string[] = [], extra: Partial<RequestContext> = {}): RequestContext => ({ roles, projectId, isAdmin: false, policyActions, ...extra });

describe('PolicyService', () => {
  it('keystone default roles (enforce_new_defaults = true)', () => {
    const p = service('testing');
    const get = ['loadbalancer:get_one'];
    expect(p.allows(ctx(['reader'], 'A', get), 'read', 'A')).toBe(true);
    expect(p.allows(ctx(['reader'], 'A', get), 'read', 'B')).toBe(false);
    expect(p.allows(ctx(['reader'], 'A', ['loadbalancer:delete']), 'write', 'A')).toBe(false);
    expect(p.allows(ctx(['member', 'reader'], 'A', ['loadbalancer:delete']), 'write', 'A')).toBe(true);
    expect(p.allows(ctx(['admin'], 'X', ['loadbalancer:delete']), 'write', 'A')).toBe(true);
    expect(p.allows(ctx(['load-balancer_member'], 'A', ['loadbalancer:delete']), 'write', 'A')).toBe(false);
    expect(p.allows(ctx(['member'], 'A', ['loadbalancer:put_failover']), 'admin')).toBe(false);
    expect(p.allows(ctx(['member'], 'A', ['loadbalancer:get_all']), 'read-global')).toBe(false);
    expect(p.allows(ctx(['admin'], 'A', ['loadbalancer:get_all']), 'read-global')).toBe(true);
    expect(p.allows(ctx([], 'A', get), 'read', 'A')).toBe(false);
    // service may list members (17.0.0), not read one
    expect(p.allows(ctx(['service'], 'S', ['member:get_all']), 'read', 'A')).toBe(true);
    expect(p.allows(ctx(['service'], 'S', ['member:get_one']), 'read', 'A')).toBe(false);
  });

  it('advanced RBAC roles (enforce_new_defaults = false)', () => {
    const p = service('testing', { enforceNewDefaults: false });
    expect(p.allows(ctx(['member'], 'A', ['loadbalancer:get_one']), 'read', 'A')).toBe(false);
    expect(p.allows(ctx(['load-balancer_observer'], 'A', ['loadbalancer:get_one']), 'read', 'A')).toBe(true);
    expect(p.allows(ctx(['load-balancer_observer'], 'A', ['loadbalancer:put']), 'write', 'A')).toBe(false);
    expect(p.allows(ctx(['load-balancer_member'], 'A', ['loadbalancer:put']), 'write', 'A')).toBe(true);
    expect(p.allows(ctx(['load-balancer_global_observer'], 'Z', ['loadbalancer:get_all']), 'read-global')).toBe(true);
    expect(p.allows(ctx(['load-balancer_global_observer'], 'Z', ['loadbalancer:put']), 'write', 'A')).toBe(false);
    expect(p.allows(ctx(['load-balancer_admin'], 'Z', ['amphora:get_all']), 'admin')).toBe(true);
    expect(p.allows(ctx(['load-balancer_quota_admin'], 'Z', ['quota:put']), 'write-quota', 'A')).toBe(true);
  });

  it('enforce_scope refuses system-scoped tokens; switched off it lets role checks decide', () => {
    expect(service('testing').allows(ctx(['admin'], undefined, ['loadbalancer:get_all'], { systemScope: 'all' }), 'read-global')).toBe(false);
    expect(service('testing', { enforceScope: false }).allows(ctx(['admin'], undefined, ['loadbalancer:get_all'], { systemScope: 'all' }), 'read-global')).toBe(true);
  });

  it('noauth allows everything', () => {
    expect(service('noauth').allows(ctx([], undefined, ['amphora:delete']), 'admin')).toBe(true);
  });

  it('applies a policy file and reloads it when it changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octavia-policy-'));
    try {
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, '"os_load-balancer_api:loadbalancer:delete": "rule:load-balancer:admin"\n');
      const p = service('testing', { policyFile: file });
      expect(p.allows(ctx(['member'], 'A', ['loadbalancer:delete']), 'write', 'A')).toBe(false);
      expect(p.allows(ctx(['member'], 'A', ['loadbalancer:put']), 'write', 'A')).toBe(true);
      writeFileSync(file, '"os_load-balancer_api:loadbalancer:delete": "rule:load-balancer:write"\n');
      utimesSync(file, new Date(), new Date(Date.now() + 5000));
      (p as unknown as { file: { checkedAt: number } }).file.checkedAt = 0;
      expect(p.allows(ctx(['member'], 'A', ['loadbalancer:delete']), 'write', 'A')).toBe(true);
      writeFileSync(join(dir, 'bad.yaml'), '"x": "role:a and"\n');
      expect(() => service('testing', { policyFile: join(dir, 'bad.yaml') })).toThrow(/rule "x"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry and honours expiry', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    expect(c.get('a', 0)).toBe(1);
    c.set('c', 3, 1000);
    expect(c.get('b', 0)).toBeUndefined();
    expect(c.get('a', 0)).toBe(1);
    expect(c.get('c', 2000)).toBeUndefined();
    expect(c.size).toBe(1);
  });
});
