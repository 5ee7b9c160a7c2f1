/**
 * Standalone mode: the real `openstack` CLI (Debian's python3-openstackclient + python3-octaviaclient)
 * with a clouds.yaml that names ONLY our API (`auth_type: none` + `auth.endpoint`). The Neutron and
 * Keystone look-ups the CLI makes before its load-balancer calls (subnet/network/port and project names →
 * ids) are answered by the API itself from the local network driver's tables (apps/api/src/standalone).
 * No stand-in server is involved.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { TestApi, startTestApi } from '../support/api-harness';
import { StandaloneCli } from '../support/standalone-cli';

jest.setTimeout(300_000);

const NET = { id: randomUUID(), name: `sa-net-${randomUUID().slice(0, 6)}` };
const SUBNET = { id: randomUUID(), name: `sa-subnet-${randomUUID().slice(0, 6)}`, cidr: '10.77.0.0/24' };
const PORT = { id: randomUUID(), name: `sa-port-${randomUUID().slice(0, 6)}`, ip: '10.77.0.50' };
const PROJECT = 'standalone-proj';

describe('standalone mode: the openstack CLI with only the API as endpoint', () => {
  let t: TestApi;
  let cli: StandaloneCli;

  beforeAll(async () => {
    t = await startTestApi();
    const c = new Client({ connectionString: t.dbUrl });
    await c.connect();
    try {
      await c.query(`INSERT INTO network (id, name, project_id, bridge, created_at) VALUES ($1, $2, $3, NULL, now())`, [NET.id, NET.name, PROJECT]);
      await c.query(
        `INSERT INTO subnet (id, network_id, name, cidr, ip_version, gateway_ip, allocation_pools, project_id) VALUES ($1, $2, $3, $4, 4, '10.77.0.1', $5, $6)`,
        [SUBNET.id, NET.id, SUBNET.name, SUBNET.cidr, JSON.stringify([{ start: '10.77.0.10', end: '10.77.0.200' }]), PROJECT],
      );
      await c.query(
        `INSERT INTO port (id, network_id, name, device_id, device_owner, mac_address, fixed_ips, project_id, created_at) VALUES ($1, $2, $3, NULL, NULL, 'fa:16:3e:00:00:01', $4, $5, now())`,
        [PORT.id, NET.id, PORT.name, JSON.stringify([{ subnet_id: SUBNET.id, ip_address: PORT.ip }]), PROJECT],
      );
      await c.query(`INSERT INTO ip_allocation (subnet_id, ip_address, port_id) VALUES ($1, $2, $3)`, [SUBNET.id, PORT.ip, PORT.id]);
    } finally {
      await c.end();
    }
    cli = new StandaloneCli(t.url);
  });

  afterAll(async () => {
    rmSync(cli?.dir ?? '/nonexistent', { recursive: true, force: true });
    await t?.close();
  });

  it('creates a load balancer from a subnet NAME and a project NAME, resolved through our own Neutron/Keystone answers', async () => {
    const lb = await cli.json(['loadbalancer', 'create', '--name', 'by-subnet-name', '--vip-subnet-id', SUBNET.name, '--project', PROJECT, '--wait']);
    expect(lb.vip_subnet_id).toBe(SUBNET.id);
    expect(lb.vip_network_id).toBe(NET.id);
    expect(lb.project_id).toBe(PROJECT);
    expect(lb.vip_address).toMatch(/^10\.77\.0\.\d+$/);
    expect(lb.vip_address).not.toBe(PORT.ip);
    const shown = await cli.json(['loadbalancer', 'show', 'by-subnet-name']);
    expect(shown.provisioning_status).toBe('ACTIVE');
  });

  it('resolves a network name and a port name the same way', async () => {
    const byNet = await cli.json(['loadbalancer', 'create', '--name', 'by-net-name', '--vip-network-id', NET.name, '--project', PROJECT]);
    expect(byNet.vip_network_id).toBe(NET.id);
    expect(byNet.vip_subnet_id).toBe(SUBNET.id);
    const byPort = await cli.json(['loadbalancer', 'create', '--name', 'by-port-name', '--vip-port-id', PORT.name, '--project', PROJECT]);
    expect(byPort.vip_port_id).toBe(PORT.id);
    expect(byPort.vip_address).toBe(PORT.ip);
  });

  it('fails with the CLI message when a name is unknown to our Neutron answers', async () => {
    const r = await cli.run(['loadbalancer', 'create', '--vip-subnet-id', 'no-such-subnet', '--project', PROJECT]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-subnet/);
  });

  it('lists by project name and serves openstacksdk-based network commands', async () => {
    const list = await cli.json(['loadbalancer', 'list', '--project', PROJECT]);
    expect(list.map((l: any) => l.name).sort()).toEqual(['by-net-name', 'by-port-name', 'by-subnet-name']);
    const subnet = await cli.json(['subnet', 'show', SUBNET.name]);
    expect(subnet).toMatchObject({ id: SUBNET.id, cidr: SUBNET.cidr, network_id: NET.id });
    const nets = await cli.json(['network', 'list']);
    expect(nets).toEqual([expect.objectContaining({ ID: NET.id, Name: NET.name, Subnets: [SUBNET.id] })]);
    const ports = await cli.json(['port', 'list', '--network', NET.name]);
    expect(ports.map((p: any) => p.ID)).toContain(PORT.id);
  });
});

describe('standalone Neutron and Keystone answers over HTTP', () => {
  let t: TestApi;

  beforeAll(async () => {
    t = await startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing' });
    const c = new Client({ connectionString: t.dbUrl });
    await c.connect();
    try {
      await c.query(`INSERT INTO network (id, name, project_id, bridge, created_at) VALUES ($1, 'n1', 'p1', NULL, now()), ($2, 'n2', 'p2', NULL, now())`, [NET.id, SUBNET.id]);
      await c.query(
        `INSERT INTO subnet (id, network_id, name, cidr, ip_version, gateway_ip, allocation_pools, project_id) VALUES ($1, $2, 's1', '10.1.0.0/24', 4, NULL, '[]', 'p1')`,
        [PORT.id, NET.id],
      );
    } finally {
      await c.end();
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = async (path: string) => {
    const res = await fetch(t.url + path);
    return { status: res.status, body: (await res.json()) as any };
  };

  it('filters as Neutron does: exact match, repeated values ORed, fields, unknown filters refused', async () => {
    expect((await get('/v2.0/networks')).body.networks.map((n: any) => n.name).sort()).toEqual(['n1', 'n2']);
    expect((await get('/v2.0/networks?name=n2')).body.networks.map((n: any) => n.id)).toEqual([SUBNET.id]);
    expect((await get(`/v2.0/networks?id=${NET.id}&id=${SUBNET.id}`)).body.networks).toHaveLength(2);
    expect((await get('/v2.0/networks?name=n1&fields=id&fields=subnets')).body.networks).toEqual([{ id: NET.id, subnets: [PORT.id] }]);
    expect((await get(`/v2.0/subnets?network_id=${NET.id}`)).body.subnets.map((s: any) => s.name)).toEqual(['s1']);
    expect((await get(`/networking/v2.0/subnets?network_id=${SUBNET.id}`)).body.subnets).toEqual([]);
    const bad = await get('/v2.0/networks?colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ NeutronError: { type: 'HTTPBadRequest', message: '[colour] is invalid attribute for filtering', detail: '' } });
    const page = await get('/v2.0/networks?limit=1');
    expect(page.body.networks).toHaveLength(1);
    expect(page.body.networks_links[0].rel).toBe('next');
  });

  it("answers one object, or Neutron's 404, and refuses writes with 405", async () => {
    expect((await get(`/v2.0/networks/${NET.id}`)).body.network).toMatchObject({ id: NET.id, name: 'n1', project_id: 'p1', tenant_id: 'p1', status: 'ACTIVE' });
    const missing = randomUUID();
    expect(await get(`/v2.0/subnets/${missing}`)).toEqual({ status: 404, body: { NeutronError: { type: 'SubnetNotFound', message: `Subnet ${missing} could not be found.`, detail: '' } } });
    expect((await get('/v2.0/ports/not-a-uuid')).status).toBe(404);
    const post = await fetch(`${t.url}/v2.0/networks`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(405);
  });

  it('answers Keystone project look-ups and version discovery', async () => {
    expect((await get('/v3/projects/p1')).body.project).toMatchObject({ id: 'p1', name: 'p1', domain_id: 'default', enabled: true });
    expect((await get('/v3/projects')).body.projects.map((p: any) => p.id)).toEqual(['p1', 'p2']);
    expect((await get('/projects?name=newproj')).body.projects.map((p: any) => p.id)).toEqual(['newproj']);
    expect((await get('/v3/projects/bad%20name')).status).toBe(404);
    expect((await get('/v3')).body.version.id).toBe('v3.14');
    expect((await get('/identity')).body.versions.values[0].status).toBe('stable');
  });

  it('leaves the Octavia API where it was', async () => {
    const r = await fetch(`${t.url}/v2.0/lbaas/loadbalancers`, { headers: { 'x-project-id': 'p1', 'x-roles': 'member' } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).loadbalancers).toEqual([]);
  });
});
