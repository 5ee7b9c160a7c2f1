/**
 * RBAC with tokens from a REAL Keystone (test/support/keystone.ts), both role schemes:
 * - keystone default roles (`[oslo_policy] enforce_new_defaults = true`, upstream's default): member /
 *   reader / admin with Keystone's implied roles (admin ⇒ member ⇒ reader), enforce_scope;
 * - the advanced-RBAC roles (`enforce_new_defaults = false`): load-balancer_member / _observer /
 *   _global_observer / _admin, plus an operator policy file overriding two rules by upstream name.
 * Project scoping as upstream: another project's existing object is 403 (not 404), a missing one 404,
 * lists are restricted to the caller's project unless the caller may read globally.
 */
import { randomUUID } from 'node:crypto';
import { KeystoneServer, KeystoneUser } from '../support/keystone';
import { FORBIDDEN, KeystoneApi, LBS, createServiceUser, startKeystoneApi } from './keystone-helpers';

jest.setTimeout(300_000);

const LISTENERS = '/v2.0/lbaas/listeners';

describe('RBAC with Keystone tokens', () => {
  const keystone = new KeystoneServer();
  const tokens: Record<string, string> = {};
  const projects: Record<string, string> = {};
  let service: KeystoneUser;
  let adminRoles: string[] = [];

  async function user(name: string, project: string, role: string): Promise<void> {
    const u = await keystone.createUser(name);
    await keystone.grantProjectRole(u.id, projects[project], role);
    tokens[name] = (await keystone.issueToken(u, { project: `${project}-${suffix}` })).token;
  }
  const suffix = randomUUID().slice(0, 8);

  beforeAll(async () => {
    await keystone.start();
    service = await createServiceUser(keystone);
    for (const p of ['A', 'B', 'C']) projects[p] = await keystone.createProject(`${p}-${suffix}`);
    await user('memberA', 'A', 'member');
    await user('readerA', 'A', 'reader');
    await user('memberB', 'B', 'member');
    await user('otherA', 'A', 'other');
    await user('lbMemberA', 'A', 'load-balancer_member');
    await user('lbObserverA', 'A', 'load-balancer_observer');
    await user('lbMemberB', 'B', 'load-balancer_member');
    await user('lbGlobalC', 'C', 'load-balancer_global_observer');
    await user('lbAdminC', 'C', 'load-balancer_admin');
    await user('auditorC', 'C', 'auditor');
    const admin = { name: 'admin', password: keystone.adminPassword };
    const adminToken = await keystone.issueToken(admin, { project: 'admin' });
    tokens.admin = adminToken.token;
    adminRoles = adminToken.body.token.roles.map((r: { name: string }) => r.name).sort();
    const adminUser = (await keystone.api('GET', '/users?name=admin')).users[0];
    await keystone.grantSystemRole(adminUser.id, 'admin');
    tokens.systemAdmin = (await keystone.issueToken(admin, { system: true })).token;
  });

  afterAll(async () => {
    await keystone.stop();
  });

  it('Keystone issues implied roles: admin ⇒ member ⇒ reader', async () => {
    expect(adminRoles).toEqual(['admin', 'member', 'reader']);
  });

  async function createLb(api: KeystoneApi, who: string, extra: Record<string, unknown> = {}): Promise<any> {
    const r = await api.as(tokens[who], 'POST', LBS, { loadbalancer: { name: `${who}-lb`, vip_subnet_id: randomUUID(), ...extra } });
    if (r.status !== 201) throw new Error(`${who} could not create a load balancer: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.loadbalancer;
  }

  async function waitActive(api: KeystoneApi, id: string): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const r = await api.as(tokens.admin, 'GET', `${LBS}/${id}`);
      if (r.body?.loadbalancer?.provisioning_status === 'ACTIVE') return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`load balancer ${id} never became ACTIVE`);
  }

  const ids = (r: { body: any }) => (r.body.loadbalancers as Array<{ id: string }>).map((l) => l.id).sort();

  describe('keystone default roles (enforce_new_defaults = true)', () => {
    let api: KeystoneApi;
    let a1: any;
    let b1: any;
    let listenerA: any;

    beforeAll(async () => {
      api = await startKeystoneApi(keystone, service);
      a1 = await createLb(api, 'memberA');
      b1 = await createLb(api, 'memberB');
      await waitActive(api, a1.id);
      await waitActive(api, b1.id);
      const l = await api.as(tokens.memberA, 'POST', LISTENERS, { listener: { loadbalancer_id: a1.id, protocol: 'HTTP', protocol_port: 80 } });
      expect(l.status).toBe(201);
      listenerA = l.body.listener;
      await waitActive(api, a1.id);
    });

    afterAll(async () => {
      await api?.close();
    });

    it('a member owns what it creates in its token project', () => {
      expect(a1.project_id).toBe(projects.A);
      expect(b1.project_id).toBe(projects.B);
    });

    it("a member of B cannot see, change or delete A's objects: 403 for existing ones, 404 for missing ones", async () => {
      const t = tokens.memberB;
      for (const [method, path, body] of [
        ['GET', `${LBS}/${a1.id}`, undefined],
        ['GET', `${LBS}/${a1.id}/status`, undefined],
        ['GET', `${LBS}/${a1.id}/stats`, undefined],
        ['PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'stolen' } }],
        ['DELETE', `${LBS}/${a1.id}`, undefined],
        ['GET', `${LISTENERS}/${listenerA.id}`, undefined],
        ['PUT', `${LISTENERS}/${listenerA.id}`, { listener: { name: 'stolen' } }],
        ['DELETE', `${LISTENERS}/${listenerA.id}`, undefined],
        ['POST', LISTENERS, { listener: { loadbalancer_id: a1.id, protocol: 'HTTP', protocol_port: 81 } }],
      ] as const) {
        const r = await api.as(t, method, path, body);
        expect({ call: `${method} ${path}`, status: r.status, body: r.body }).toEqual({ call: `${method} ${path}`, status: 403, body: FORBIDDEN });
      }
      const missing = randomUUID();
      const r = await api.as(t, 'GET', `${LBS}/${missing}`);
      expect(r.status).toBe(404);
      expect(r.body.faultstring).toBe(`Load Balancer ${missing} not found.`);
      // Lists: only B's; asking for A's explicitly is refused.
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([b1.id]);
      expect((await api.as(t, 'GET', `${LBS}?project_id=${projects.A}`)).status).toBe(403);
      expect((await api.as(t, 'GET', LISTENERS)).body.listeners).toEqual([]);
      // Nothing changed.
      const still = await api.as(tokens.memberA, 'GET', `${LBS}/${a1.id}`);
      expect(still.body.loadbalancer.name).toBe('memberA-lb');
    });

    it('a member cannot create a load balancer for another project', async () => {
      const r = await api.as(tokens.memberA, 'POST', LBS, { loadbalancer: { vip_subnet_id: randomUUID(), project_id: projects.B } });
      expect(r.status).toBe(403);
      expect(r.body).toEqual(FORBIDDEN);
    });

    it('a reader reads its own project but cannot write', async () => {
      const t = tokens.readerA;
      expect((await api.as(t, 'GET', `${LBS}/${a1.id}`)).status).toBe(200);
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id]);
      expect((await api.as(t, 'GET', LISTENERS)).body.listeners.map((l: any) => l.id)).toEqual([listenerA.id]);
      expect((await api.as(t, 'GET', `${LBS}/${b1.id}`)).status).toBe(403);
      for (const [method, path, body] of [
        ['PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'x' } }],
        ['DELETE', `${LBS}/${a1.id}`, undefined],
        ['POST', LBS, { loadbalancer: { vip_subnet_id: randomUUID() } }],
        ['POST', LISTENERS, { listener: { loadbalancer_id: a1.id, protocol: 'HTTP', protocol_port: 82 } }],
        ['DELETE', `${LISTENERS}/${listenerA.id}`, undefined],
      ] as const) {
        const r = await api.as(t, method, path, body);
        expect({ call: `${method} ${path}`, status: r.status, body: r.body }).toEqual({ call: `${method} ${path}`, status: 403, body: FORBIDDEN });
      }
    });

    it('a role the policy does not know gets 403, and so do the load-balancer_* roles under the new defaults', async () => {
      for (const who of ['otherA', 'lbMemberA', 'lbObserverA']) {
        expect((await api.as(tokens[who], 'GET', `${LBS}/${a1.id}`)).status).toBe(403);
        expect((await api.as(tokens[who], 'GET', LBS)).status).toBe(403);
      }
    });

    it('admin sees and changes everything; admin-only actions stay admin-only', async () => {
      const t = tokens.admin;
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id, b1.id].sort());
      expect(ids(await api.as(t, 'GET', `${LBS}?project_id=${projects.B}`))).toEqual([b1.id]);
      expect((await api.as(t, 'GET', `${LBS}/${b1.id}`)).status).toBe(200);
      const put = await api.as(t, 'PUT', `${LBS}/${b1.id}`, { loadbalancer: { description: 'by admin' } });
      expect(put.status).toBe(200);
      await waitActive(api, b1.id);
      // Failover is `admin` in upstream's defaults: a project member is refused.
      expect((await api.as(tokens.memberA, 'PUT', `${LBS}/${a1.id}/failover`)).status).toBe(403);
    });

    it('pools and members follow their load balancer: readers read, members of another project get 403', async () => {
      const pool = await api.as(tokens.memberA, 'POST', '/v2.0/lbaas/pools', { pool: { loadbalancer_id: a1.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } });
      expect(pool.status).toBe(201);
      await waitActive(api, a1.id);
      const members = `/v2.0/lbaas/pools/${pool.body.pool.id}/members`;
      const m = await api.as(tokens.memberA, 'POST', members, { member: { address: '192.0.2.10', protocol_port: 80 } });
      expect(m.status).toBe(201);
      await waitActive(api, a1.id);
      expect((await api.as(tokens.readerA, 'GET', members)).body.members.map((x: any) => x.id)).toEqual([m.body.member.id]);
      expect((await api.as(tokens.readerA, 'GET', `${members}/${m.body.member.id}`)).status).toBe(200);
      for (const [who, method, path, body] of [
        ['readerA', 'POST', members, { member: { address: '192.0.2.11', protocol_port: 80 } }],
        ['readerA', 'PUT', members, { members: [] }],
        ['readerA', 'DELETE', `${members}/${m.body.member.id}`, undefined],
        ['memberB', 'GET', members, undefined],
        ['memberB', 'GET', `${members}/${m.body.member.id}`, undefined],
        ['memberB', 'GET', `/v2.0/lbaas/pools/${pool.body.pool.id}`, undefined],
        ['memberB', 'PUT', members, { members: [] }],
      ] as const) {
        const r = await api.as(tokens[who], method, path, body);
        expect({ call: `${who} ${method} ${path}`, status: r.status, body: r.body }).toEqual({ call: `${who} ${method} ${path}`, status: 403, body: FORBIDDEN });
      }
    });

    it('quotas: a reader reads its own, only admin writes; flavors are readable by members, amphorae admin-only', async () => {
      expect((await api.as(tokens.readerA, 'GET', `/v2.0/lbaas/quotas/${projects.A}`)).status).toBe(200);
      expect((await api.as(tokens.readerA, 'GET', `/v2.0/lbaas/quotas/${projects.B}`)).status).toBe(403);
      expect((await api.as(tokens.memberA, 'PUT', `/v2.0/lbaas/quotas/${projects.A}`, { quota: { load_balancer: 5 } })).status).toBe(403);
      expect((await api.as(tokens.admin, 'PUT', `/v2.0/lbaas/quotas/${projects.A}`, { quota: { load_balancer: 5 } })).status).toBe(202);
      expect((await api.as(tokens.memberA, 'GET', '/v2.0/lbaas/flavors')).status).toBe(200);
      expect((await api.as(tokens.otherA, 'GET', '/v2.0/lbaas/flavors')).status).toBe(403);
      expect((await api.as(tokens.memberA, 'POST', '/v2.0/lbaas/flavors', { flavor: { name: 'f', flavor_profile_id: randomUUID() } })).status).toBe(403);
      expect((await api.as(tokens.memberA, 'GET', '/v2/octavia/amphorae')).status).toBe(403);
      expect((await api.as(tokens.admin, 'GET', '/v2/octavia/amphorae')).status).toBe(200);
    });

    it('enforce_scope: a system-scoped token is refused even with the admin role', async () => {
      const r = await api.as(tokens.systemAdmin, 'GET', LBS);
      expect(r.status).toBe(403);
      expect(r.body).toEqual(FORBIDDEN);
    });
  });

  describe('advanced RBAC roles (enforce_new_defaults = false) with an operator policy file', () => {
    let api: KeystoneApi;
    let a1: any;
    let b1: any;

    beforeAll(async () => {
      api = await startKeystoneApi(keystone, service, {
        enforceNewDefaults: false,
        policy: [
          '# octavia-ts test overrides, upstream rule names',
          '"os_load-balancer_api:loadbalancer:delete": "rule:load-balancer:admin"',
          'load-balancer:global_observer: role:load-balancer_global_observer or role:auditor',
          '',
        ].join('\n'),
      });
      a1 = await createLb(api, 'lbMemberA');
      b1 = await createLb(api, 'lbMemberB');
      await waitActive(api, a1.id);
      await waitActive(api, b1.id);
    });

    afterAll(async () => {
      await api?.close();
    });

    it('plain member and reader roles get 403 on every load-balancer call', async () => {
      for (const who of ['memberA', 'readerA']) {
        expect((await api.as(tokens[who], 'GET', `${LBS}/${a1.id}`)).status).toBe(403);
        expect((await api.as(tokens[who], 'GET', LBS)).status).toBe(403);
        expect((await api.as(tokens[who], 'POST', LBS, { loadbalancer: { vip_subnet_id: randomUUID() } })).status).toBe(403);
      }
    });

    it('load-balancer_member writes its own project only; the policy file makes delete admin-only', async () => {
      const t = tokens.lbMemberA;
      expect(a1.project_id).toBe(projects.A);
      expect((await api.as(t, 'PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'renamed' } })).status).toBe(200);
      await waitActive(api, a1.id);
      const del = await api.as(t, 'DELETE', `${LBS}/${a1.id}`);
      expect(del.status).toBe(403);
      expect(del.body).toEqual(FORBIDDEN);
      expect((await api.as(t, 'GET', `${LBS}/${b1.id}`)).status).toBe(403);
      expect((await api.as(tokens.lbMemberB, 'PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'x' } })).status).toBe(403);
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id]);
    });

    it('load-balancer_observer reads its own project and cannot write', async () => {
      const t = tokens.lbObserverA;
      expect((await api.as(t, 'GET', `${LBS}/${a1.id}`)).status).toBe(200);
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id]);
      expect((await api.as(t, 'GET', `${LBS}/${b1.id}`)).status).toBe(403);
      expect((await api.as(t, 'PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'x' } })).status).toBe(403);
      expect((await api.as(t, 'POST', LBS, { loadbalancer: { vip_subnet_id: randomUUID() } })).status).toBe(403);
    });

    it('load-balancer_global_observer (and, through the policy file, auditor) reads every project and writes none', async () => {
      for (const who of ['lbGlobalC', 'auditorC']) {
        const t = tokens[who];
        expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id, b1.id].sort());
        expect((await api.as(t, 'GET', `${LBS}/${a1.id}`)).status).toBe(200);
        expect((await api.as(t, 'PUT', `${LBS}/${a1.id}`, { loadbalancer: { name: 'x' } })).status).toBe(403);
        expect((await api.as(t, 'DELETE', `${LBS}/${b1.id}`)).status).toBe(403);
      }
    });

    it('load-balancer_admin does everything, including the admin-only delete', async () => {
      const t = tokens.lbAdminC;
      expect(ids(await api.as(t, 'GET', LBS))).toEqual([a1.id, b1.id].sort());
      const del = await api.as(t, 'DELETE', `${LBS}/${b1.id}`);
      expect(del.status).toBe(204);
    });
  });
});
