import { LocalLbHarness, HarnessNetwork } from '../support/lb-harness';

/**
 * End to end on real parts: API → flow → netns amphora (agent over mTLS, HAProxy) → traffic through the
 * VIP from a client namespace to backend namespaces on two local networks; then changes and a full
 * clean-up check.
 */
describe('SINGLE load balancer in network namespaces', () => {
  let h: LocalLbHarness;
  let front: HarnessNetwork;
  let back: HarnessNetwork;
  let client: string;

  beforeAll(async () => {
    // Short agent timeouts so the failure case below fails in seconds, as an operator would tune a small site.
    h = await LocalLbHarness.start({
      ini: '[haproxy_amphora]\nactive_connection_max_retries = 4\nactive_connection_retry_interval = 0.25\nrest_request_conn_timeout = 1\nrest_request_read_timeout = 2\n',
    });
    front = await h.createNetwork('front');
    back = await h.createNetwork('back');
    client = await h.addHost(front, 'cli', 50);
    const b1 = await h.addHost(front, 'b1', 11);
    const b2 = await h.addHost(back, 'b2', 12);
    await h.startBackend(b1, front.ip(11), 8080, 'backend-1');
    await h.startBackend(b2, back.ip(12), 8080, 'backend-2');
  });

  afterAll(async () => {
    await h?.close();
  });

  const spread = async (n = 12): Promise<Record<string, number>> => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const body = await h.curl(client, `http://${vip}/`);
      seen[body] = (seen[body] ?? 0) + 1;
    }
    return seen;
  };

  let lbId = '';
  let vip = '';
  let poolId = '';
  const members: string[] = [];

  it('creates the load balancer: amphora booted, VIP plugged, ACTIVE/ONLINE', async () => {
    const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: 'e2e', vip_subnet_id: front.subnetId } });
    expect(res.status).toBe(201);
    lbId = res.body.loadbalancer.id;
    vip = res.body.loadbalancer.vip_address;
    expect(vip.startsWith(front.prefix)).toBe(true);
    const lb = await h.waitLbStatus(lbId, 'ACTIVE');
    expect(lb.loadbalancer.operating_status).toBe('ONLINE');
    const amps = await h.ds.query(`SELECT id, status, role, lb_network_ip, vrrp_ip, compute_id FROM amphora WHERE load_balancer_id = $1`, [lbId]);
    expect(amps).toHaveLength(1);
    expect(amps[0]).toMatchObject({ status: 'ALLOCATED', role: 'STANDALONE' });
    expect((await h.leftovers()).namespaces).toEqual([`amphora-${amps[0].id}`]);
  });

  it('serves HTTP through the VIP to both backends, one on a member network plugged into the amphora', async () => {
    const l = await h.api.call('POST', '/v2/lbaas/listeners', { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80 } });
    expect(l.status).toBe(201);
    await h.waitLbStatus(lbId, 'ACTIVE');
    const p = await h.api.call('POST', '/v2/lbaas/pools', { pool: { listener_id: l.body.listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } });
    expect(p.status).toBe(201);
    poolId = p.body.pool.id;
    await h.waitLbStatus(lbId, 'ACTIVE');
    for (const [ip, subnet] of [[front.ip(11), front.subnetId], [back.ip(12), back.subnetId]]) {
      const m = await h.api.call('POST', `/v2/lbaas/pools/${poolId}/members`, { member: { address: ip, protocol_port: 8080, subnet_id: subnet } });
      expect(m.status).toBe(201);
      members.push(m.body.member.id);
      await h.waitLbStatus(lbId, 'ACTIVE');
    }
    const seen = await spread();
    expect(seen).toEqual({ 'backend-1': 6, 'backend-2': 6 });
    const memberPorts = await h.ds.query(`SELECT count(*)::int AS n FROM port WHERE device_owner = 'octavia:member'`);
    expect(memberPorts[0].n).toBe(1);
  });

  it('applies a weight change and a disabled member', async () => {
    expect((await h.api.call('PUT', `/v2/lbaas/pools/${poolId}/members/${members[0]}`, { member: { weight: 0 } })).status).toBe(200);
    await h.waitLbStatus(lbId, 'ACTIVE');
    expect(await spread(6)).toEqual({ 'backend-2': 6 });
    expect((await h.api.call('PUT', `/v2/lbaas/pools/${poolId}/members/${members[0]}`, { member: { weight: 1 } })).status).toBe(200);
    await h.waitLbStatus(lbId, 'ACTIVE');
    expect((await h.api.call('PUT', `/v2/lbaas/pools/${poolId}/members/${members[1]}`, { member: { admin_state_up: false } })).status).toBe(200);
    await h.waitLbStatus(lbId, 'ACTIVE');
    expect(await spread(6)).toEqual({ 'backend-1': 6 });
  });

  it('reverts a flow whose amphora stops answering: listener ERROR, load balancer ACTIVE, reason kept', async () => {
    const [amp] = await h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED'`, [lbId]);
    const pid = Number(require('node:fs').readFileSync(require('node:path').join(h.config.worker.amphoraStateDir, amp.id.replace(/-/g, '').slice(0, 10), 'agent.pid'), 'utf8'));
    process.kill(pid, 'SIGSTOP');
    try {
      const l = await h.api.call('POST', '/v2/lbaas/listeners', { listener: { loadbalancer_id: lbId, protocol: 'TCP', protocol_port: 81 } });
      expect(l.status).toBe(201);
      const listener = await h.waitFor(`/v2/lbaas/listeners/${l.body.listener.id}`, (b) => b?.listener?.provisioning_status === 'ERROR', 60_000, 'listener ERROR');
      expect(listener.listener.provisioning_status).toBe('ERROR');
      const lb = await h.waitLbStatus(lbId, 'ACTIVE', 5000);
      expect(lb.loadbalancer.provisioning_status).toBe('ACTIVE');
      const [flow] = await h.ds.query(`SELECT status, error FROM flow WHERE target_id = $1`, [l.body.listener.id]);
      expect(flow.status).toBe('FAILED');
      expect(flow.error).toMatch(/not reachable|timeout/);
      // The running configuration was not touched: the HTTP listener still serves.
      process.kill(pid, 'SIGCONT');
      expect(await h.curl(client, `http://${vip}/`)).toBe('backend-1');
      // Deleting the failed listener pushes a configuration without it.
      expect((await h.api.call('DELETE', `/v2/lbaas/listeners/${l.body.listener.id}`)).status).toBe(204);
      await h.waitFor(`/v2/lbaas/listeners/${l.body.listener.id}`, (_b, s) => s === 404, 30_000, 'failed listener deleted');
      await h.waitLbStatus(lbId, 'ACTIVE');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('carries out the admin amphora API: config update, certificate rotation and failover', async () => {
    const [amp] = await h.ds.query(`SELECT id, cert_expiration FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED'`, [lbId]);
    const admin = { 'x-roles': 'admin' };
    expect((await h.api.call('PUT', `/v2/octavia/amphorae/${amp.id}/config`, undefined, admin)).status).toBe(202);
    const flowDone = async (kind: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const rows = await h.ds.query(`SELECT status, error FROM flow WHERE kind = $1 AND target_id = $2 ORDER BY created_at DESC LIMIT 1`, [kind, amp.id]);
        if (rows[0] && ['SUCCEEDED', 'FAILED'].includes(rows[0].status)) return rows[0];
        if (Date.now() > deadline) throw new Error(`${kind} did not finish`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await flowDone('amphora.config')).toEqual({ status: 'SUCCEEDED', error: null });

    // Rotation as the housekeeper starts it: a flow record and a dispatch.
    const flowId = require('node:crypto').randomUUID();
    await h.ds.query(
      `INSERT INTO flow (id, kind, load_balancer_id, target_id, payload, status, priority, attempts, created_at) VALUES ($1, 'amphora.cert_rotate', $2, $3, '{}', 'PENDING', 40, 0, now() AT TIME ZONE 'utc')`,
      [flowId, lbId, amp.id],
    );
    await h.dispatcher.dispatch(flowId, 'amphora.cert_rotate', 40);
    expect(await flowDone('amphora.cert_rotate')).toEqual({ status: 'SUCCEEDED', error: null });
    const [rotated] = await h.ds.query(`SELECT cert_expiration, cert_busy FROM amphora WHERE id = $1`, [amp.id]);
    expect(rotated.cert_busy).toBe(false);
    expect(new Date(rotated.cert_expiration).getTime()).toBeGreaterThanOrEqual(new Date(amp.cert_expiration).getTime());
    // The agent still answers the controller with the new certificate: a config push works.
    expect((await h.api.call('PUT', `/v2/lbaas/pools/${poolId}/members/${members[1]}`, { member: { admin_state_up: true } })).status).toBe(200);
    await h.waitLbStatus(lbId, 'ACTIVE');

    expect((await h.api.call('PUT', `/v2/octavia/amphorae/${amp.id}/failover`, undefined, admin)).status).toBe(202);
    expect(await flowDone('amphora.failover')).toEqual({ status: 'SUCCEEDED', error: null });
    await h.waitLbStatus(lbId, 'ACTIVE');
    const amps = await h.ds.query(`SELECT id, status FROM amphora WHERE load_balancer_id = $1 AND status <> 'DELETED'`, [lbId]);
    expect(amps).toHaveLength(1);
    expect(amps[0].id).not.toBe(amp.id);
    expect(await spread(4)).toEqual({ 'backend-1': 2, 'backend-2': 2 });
  });

  it('deletes everything: no namespace, process, bridge port, amphora, port or pending row left', async () => {
    expect((await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lbId}?cascade=true`)).status).toBe(204);
    await h.waitLbGone(lbId);
    const left = await h.leftovers();
    expect(left).toEqual({ namespaces: [], amphorae: 0, ports: 0, allocations: 0, bridgeLinks: [], flowsPending: 0, pending: 0 });
    expect((await h.curl(client, `http://${vip}/`, 1)).startsWith('ERR:')).toBe(true);
  });
});
