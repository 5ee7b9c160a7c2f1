/**
 * Flavors, flavor profiles, availability zones and AZ profiles (spec 9.10-9.13) on a real API and
 * PostgreSQL: CRUD with upstream's shapes and codes, provider checks of the metadata (400/501), 409 when
 * in use, admin-only writes, and what a flavor / AZ does to a new load balancer (topology, SR-IOV VIP,
 * provider, VIP network list, the worker's flow payload).
 */
import { Client } from 'pg';
import { TestApi, startTestApi } from '../support/api-harness';
import { LB, SUBNET_ID, UUID, createLb, expectFault } from './lb-helpers';

jest.setTimeout(120000);

let t: TestApi;
let amp: TestApi;
let rbac: TestApi;

beforeAll(async () => {
  [t, amp, rbac] = await Promise.all([
    startTestApi(),
    // the amphora provider with a dispatcher that does nothing: flows stay as records to inspect
    startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' }),
    startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing' }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), amp?.close(), rbac?.close()]);
});

async function sql(api: TestApi, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: api.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function profile(api: TestApi, data: Record<string, unknown>, provider = 'amphora', name = 'fp') {
  const r = await api.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name, provider_name: provider, flavor_data: JSON.stringify(data) } });
  if (r.status !== 201) throw new Error(`flavor profile: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.flavorprofile;
}

async function flavor(api: TestApi, name: string, profileId: string, extra: Record<string, unknown> = {}) {
  const r = await api.call('POST', '/v2.0/lbaas/flavors', { flavor: { name, flavor_profile_id: profileId, ...extra } });
  if (r.status !== 201) throw new Error(`flavor: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.flavor;
}

async function azProfile(api: TestApi, data: Record<string, unknown>, provider = 'amphora') {
  const r = await api.call('POST', '/v2.0/lbaas/availabilityzoneprofiles', {
    availability_zone_profile: { name: 'azp', provider_name: provider, availability_zone_data: JSON.stringify(data) },
  });
  if (r.status !== 201) throw new Error(`az profile: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.availability_zone_profile;
}

const UNSUPPORTED = "Provider 'amphora' does not support a requested option: ";

describe('flavor profiles', () => {
  it('create, show, list (flavorprofile_links), update and delete', async () => {
    const data = '{"loadbalancer_topology": "ACTIVE_STANDBY",\n "compute_flavor": "m1.amphora"}';
    const created = await t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'ha', provider_name: 'amphora', flavor_data: data } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ flavorprofile: { id: expect.stringMatching(UUID), name: 'ha', provider_name: 'amphora', flavor_data: data } });
    const id = created.body.flavorprofile.id;
    expect((await t.call('GET', `/v2/lbaas/flavorprofiles/${id}`)).body.flavorprofile.flavor_data).toBe(data);
    const list = await t.call('GET', '/v2.0/lbaas/flavorprofiles?name=ha');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['flavorprofile_links', 'flavorprofiles']);
    expect(list.body.flavorprofiles.map((p: any) => p.id)).toEqual([id]);
    const put = await t.call('PUT', `/v2/flavorprofiles/${id}`, { flavorprofile: { name: 'ha2', flavor_data: '{"amp_image_tag": "amphora-v2"}' } });
    expect(put.status).toBe(200);
    expect(put.body.flavorprofile).toEqual({ id, name: 'ha2', provider_name: 'amphora', flavor_data: '{"amp_image_tag": "amphora-v2"}' });
    expect((await t.call('DELETE', `/v2.0/lbaas/flavorprofiles/${id}`)).status).toBe(204);
    expectFault(await t.call('GET', `/v2.0/lbaas/flavorprofiles/${id}`), 404, `Flavor profile ${id} not found.`);
  });

  it('the provider checks flavor_data: 400 for bad JSON or a disabled provider, 501 for what the amphora driver does not support', async () => {
    const post = (flavor_data: string, provider_name = 'amphora') => t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'x', provider_name, flavor_data } });
    expectFault(await post('{not json'), 400, '{not json is not a valid option for flavor_data');
    expectFault(await post('{}', 'bogus'), 400, "Provider 'bogus' is not enabled.");
    expectFault(await post('{"bogus": 1}'), 501, `${UNSUPPORTED}Additional properties are not allowed ('bogus' was unexpected)`);
    expectFault(await post('{"zz": 1, "aa": 2}'), 501, `${UNSUPPORTED}Additional properties are not allowed ('aa', 'zz' were unexpected)`);
    expectFault(await post('{"loadbalancer_topology": "TRIPLE"}'), 501, `${UNSUPPORTED}loadbalancer_topology 'TRIPLE' is not one of ['SINGLE', 'ACTIVE_STANDBY']`);
    expectFault(await post('{"sriov_vip": "yes"}'), 501, `${UNSUPPORTED}sriov_vip 'yes' is not of type 'boolean'`);
    expectFault(await post('{"compute_flavor": 42}'), 501, `${UNSUPPORTED}compute_flavor 42 is not of type 'string'`);
    expectFault(await post('[]'), 501, `${UNSUPPORTED}[] is not of type 'object'`);
    // stricter than upstream: values go to other services and into logs, so no control characters
    expectFault(await post('{"amp_image_tag": "a\\nb"}'), 501, /amp_image_tag 'a\\nb' does not match/);
    expectFault(await post(`{"amp_image_tag": "${'x'.repeat(300)}"}`), 501, /is too long$/);
    // the no-op driver takes any object
    expect((await post('{"anything": [1, 2]}', 'noop_driver')).status).toBe(201);
  });

  it('schema errors: mandatory fields, unknown attributes, lengths, null on PUT', async () => {
    expectFault(await t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'x', provider_name: 'amphora' } }), 400,
      "Invalid input for field/attribute flavor_data. Value: 'None'. Mandatory field missing.");
    expectFault(await t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'x', provider_name: 'amphora', flavor_data: '{}', id: 'x' } }), 400, /Unknown attribute .*: id/);
    expectFault(await t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'x', provider_name: 'amphora', flavor_data: `{"a": "${'x'.repeat(4100)}"}` } }), 400,
      /Value should have a maximum character requirement of 4096/);
    const p = await profile(t, {});
    for (const field of ['name', 'provider_name', 'flavor_data']) {
      expectFault(await t.call('PUT', `/v2.0/lbaas/flavorprofiles/${p.id}`, { flavorprofile: { [field]: null } }), 400, `None is not a valid option for ${field}`);
    }
  });

  it('a profile used by a flavor: name changes are fine, provider/data changes and delete are 409', async () => {
    const p = await profile(t, { loadbalancer_topology: 'SINGLE' });
    await flavor(t, 'uses-profile', p.id);
    const inUse = `Flavor profile ${p.id} is in use and cannot be modified.`;
    expect((await t.call('PUT', `/v2.0/lbaas/flavorprofiles/${p.id}`, { flavorprofile: { name: 'renamed' } })).status).toBe(200);
    expectFault(await t.call('PUT', `/v2.0/lbaas/flavorprofiles/${p.id}`, { flavorprofile: { flavor_data: '{}' } }), 409, inUse);
    expectFault(await t.call('PUT', `/v2.0/lbaas/flavorprofiles/${p.id}`, { flavorprofile: { provider_name: 'noop_driver' } }), 409, inUse);
    expectFault(await t.call('DELETE', `/v2.0/lbaas/flavorprofiles/${p.id}`), 409, inUse);
  });

  it('the nil UUID placeholder and non-UUID ids are 404', async () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    await sql(t, `INSERT INTO flavor_profile (id, name, provider_name, flavor_data) VALUES ($1, 'placeholder', 'amphora', '{}') ON CONFLICT DO NOTHING`, [nil]);
    expectFault(await t.call('GET', `/v2.0/lbaas/flavorprofiles/${nil}`), 404, `Flavor profile ${nil} not found.`);
    expect((await t.call('GET', '/v2.0/lbaas/flavorprofiles')).body.flavorprofiles.map((p: any) => p.id)).not.toContain(nil);
    expectFault(await t.call('GET', '/v2.0/lbaas/flavorprofiles/not-a-uuid'), 404, 'Flavor profile not-a-uuid not found.');
  });
});

describe('flavors', () => {
  it('create with defaults, show with fields, list with filters, update, delete', async () => {
    const p = await profile(t, {});
    const created = await t.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'small', flavor_profile_id: p.id } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ flavor: { id: expect.stringMatching(UUID), name: 'small', description: '', enabled: true, flavor_profile_id: p.id } });
    const id = created.body.flavor.id;
    await flavor(t, 'large', p.id, { description: 'big', enabled: false });
    expect((await t.call('GET', `/v2/flavors/${id}?fields=name&fields=enabled`)).body).toEqual({ flavor: { name: 'small', enabled: true } });
    const disabled = await t.call('GET', `/v2.0/lbaas/flavors?enabled=false&flavor_profile_id=${p.id}`);
    expect(disabled.body.flavors.map((f: any) => f.name)).toEqual(['large']);
    expect(disabled.body.flavors_links).toEqual([]);
    expectFault(await t.call('GET', '/v2.0/lbaas/flavors?bogus=1'), 400, 'One or more arguments are either duplicate or invalid');
    expectFault(await t.call('GET', '/v2.0/lbaas/flavors?tags=a'), 400, 'One or more arguments are either duplicate or invalid');
    const put = await t.call('PUT', `/v2.0/lbaas/flavors/${id}`, { flavor: { description: 'tiny', enabled: 'false' } });
    expect(put.status).toBe(200);
    expect(put.body.flavor).toEqual({ id, name: 'small', description: 'tiny', enabled: false, flavor_profile_id: p.id });
    expect((await t.call('PUT', `/v2.0/lbaas/flavors/${id}`, { flavor: { description: null } })).body.flavor.description).toBe('');
    expect((await t.call('DELETE', `/v2.0/lbaas/flavors/${id}`)).status).toBe(204);
    expectFault(await t.call('GET', `/v2.0/lbaas/flavors/${id}`), 404, `Flavor ${id} not found.`);
  });

  it('pages with flavors_links', async () => {
    const p = await profile(t, {});
    for (const n of ['page-a', 'page-b', 'page-c']) await flavor(t, n, p.id);
    const first = await t.call('GET', `/v2.0/lbaas/flavors?limit=2&flavor_profile_id=${p.id}`);
    expect(first.body.flavors).toHaveLength(2);
    const next = first.body.flavors_links.find((l: any) => l.rel === 'next');
    const second = await t.call('GET', new URL(next.href).pathname.replace(/^\/v2\.0/, '/v2.0') + new URL(next.href).search);
    expect(second.body.flavors).toHaveLength(1);
    const names = [...first.body.flavors, ...second.body.flavors].map((f: any) => f.name).sort();
    expect(names).toEqual(['page-a', 'page-b', 'page-c']);
  });

  it('unique names (409), a dangling profile (400), a fixed profile id (400 on PUT), null name (400)', async () => {
    const p = await profile(t, {});
    const f = await flavor(t, 'dup', p.id);
    expectFault(await t.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'dup', flavor_profile_id: p.id } }), 409, 'A flavor of dup already exists.');
    await flavor(t, 'other', p.id);
    expectFault(await t.call('PUT', `/v2.0/lbaas/flavors/${f.id}`, { flavor: { name: 'other' } }), 409, 'A flavor of other already exists.');
    const ghost = '4b0c9d7e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
    expectFault(await t.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'ghost', flavor_profile_id: ghost } }), 400, `${ghost} is not a valid option for flavor_profile_id`);
    expectFault(await t.call('PUT', `/v2.0/lbaas/flavors/${f.id}`, { flavor: { flavor_profile_id: p.id } }), 400, /Unknown attribute .*: flavor_profile_id/);
    expectFault(await t.call('PUT', `/v2.0/lbaas/flavors/${f.id}`, { flavor: { name: null } }), 400, 'None is not a valid option for name');
    expectFault(await t.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'bad\nname', flavor_profile_id: p.id } }), 400, /control characters/);
    expectFault(await t.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'x'.repeat(256), flavor_profile_id: p.id } }), 400, /maximum character requirement of 255/);
  });
});

describe('a load balancer with a flavor', () => {
  it('takes its topology and SR-IOV VIP from the flavor and hands the metadata to the worker', async () => {
    const p = await profile(amp, { loadbalancer_topology: 'ACTIVE_STANDBY', compute_flavor: 'm1.amp', sriov_vip: true });
    const f = await flavor(amp, 'ha-sriov', p.id);
    const lb = await createLb(amp, 'project-a', { flavor_id: f.id });
    expect(lb).toMatchObject({ flavor_id: f.id, provider: 'amphora', vip_vnic_type: 'direct' });
    const [row] = await sql(amp, `SELECT topology FROM load_balancer WHERE id = $1`, [lb.id]);
    expect(row.topology).toBe('ACTIVE_STANDBY');
    const [flow] = await sql(amp, `SELECT payload FROM flow WHERE load_balancer_id = $1 AND kind = 'loadbalancer.create'`, [lb.id]);
    expect(flow.payload).toEqual({ flavor: { loadbalancer_topology: 'ACTIVE_STANDBY', compute_flavor: 'm1.amp', sriov_vip: true }, availability_zone: {} });
    // without a flavor: the configured topology, a normal VIP
    const plain = await createLb(amp, 'project-a');
    expect(plain.vip_vnic_type).toBe('normal');
    expect((await sql(amp, `SELECT topology FROM load_balancer WHERE id = $1`, [plain.id]))[0].topology).toBe('SINGLE');
  });

  it('the provider comes from the flavor profile; a different provider in the body is a 400', async () => {
    const p = await profile(amp, {}, 'noop_driver');
    const f = await flavor(amp, 'noop-flavor', p.id);
    const lb = await createLb(amp, 'project-a', { flavor_id: f.id });
    expect(lb.provider).toBe('noop_driver');
    const bad = await amp.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, flavor_id: f.id, provider: 'amphora' } });
    expectFault(bad, 400, `Flavor '${f.id}' is not compatible with provider 'amphora'`);
  });

  it('unknown and disabled flavors are refused; a flavor in use cannot be deleted', async () => {
    // a no-op profile, so the load balancer becomes ACTIVE (and deletable) at once
    const p = await profile(t, { loadbalancer_topology: 'SINGLE' }, 'noop_driver');
    const f = await flavor(t, 'in-use', p.id);
    const unknown = '0d8b7c6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
    expectFault(await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, flavor_id: unknown } }), 400, 'Validation failure: Invalid flavor_id.');
    const lb = await createLb(t, 'project-a', { flavor_id: f.id });
    expectFault(await t.call('DELETE', `/v2.0/lbaas/flavors/${f.id}`), 409, `Flavor ${f.id} is in use and cannot be modified.`);
    expect((await t.call('PUT', `/v2.0/lbaas/flavors/${f.id}`, { flavor: { enabled: false } })).status).toBe(200);
    expectFault(await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, flavor_id: f.id } }), 400, `The selected flavor is not allowed in this deployment: ${f.id}`);
    // once its load balancer is gone the flavor can go
    const del = await t.call('DELETE', `${LB}/${lb.id}`);
    expect({ status: del.status, body: del.body }).toEqual({ status: 204, body: undefined });
    expect((await t.call('DELETE', `/v2.0/lbaas/flavors/${f.id}`)).status).toBe(204);
  });

  it('SR-IOV members in a fully populated create need a flavor with allow_member_sriov', async () => {
    const graph = (flavorId?: string) => ({
      loadbalancer: {
        vip_subnet_id: SUBNET_ID, ...(flavorId ? { flavor_id: flavorId } : {}),
        pools: [{ name: 'p', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: '192.0.2.10', protocol_port: 80, request_sriov: 'true' }] }],
      },
    });
    expectFault(await t.call('POST', LB, graph()), 400, 'The load balancer flavor does not allow SR-IOV member ports.');
    const p = await profile(t, { allow_member_sriov: true }, 'noop_driver');
    const f = await flavor(t, 'sriov-members', p.id);
    const r = await t.call('POST', LB, graph(f.id));
    expect(r.status).toBe(201);
    expect(r.body.loadbalancer.pools[0].members[0].vnic_type).toBe('direct');
  });

  it('metadata a driver no longer accepts is re-checked at create (501)', async () => {
    const p = await profile(t, {});
    const f = await flavor(t, 'stale', p.id);
    await sql(t, `UPDATE flavor_profile SET flavor_data = '{"retired_option": true}' WHERE id = $1`, [p.id]);
    const r = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, flavor_id: f.id, provider: 'amphora' } });
    expectFault(r, 501, `${UNSUPPORTED}Additional properties are not allowed ('retired_option' was unexpected)`);
  });
});

describe('availability zone profiles', () => {
  it('CRUD with availability_zone_profile_links and the provider check', async () => {
    const p = await azProfile(t, { compute_zone: 'nova-az1', valid_vip_networks: ['net-1'] });
    expect(p).toEqual({ id: expect.stringMatching(UUID), name: 'azp', provider_name: 'amphora', availability_zone_data: '{"compute_zone":"nova-az1","valid_vip_networks":["net-1"]}' });
    const list = await t.call('GET', '/v2.0/lbaas/availabilityzoneprofiles');
    expect(Object.keys(list.body).sort()).toEqual(['availability_zone_profile_links', 'availability_zone_profiles']);
    const post = (data: string) => t.call('POST', '/v2.0/lbaas/availabilityzoneprofiles', { availability_zone_profile: { name: 'x', provider_name: 'amphora', availability_zone_data: data } });
    expectFault(await post('{"flavor": 1}'), 501, `${UNSUPPORTED}Additional properties are not allowed ('flavor' was unexpected)`);
    expectFault(await post('{"valid_vip_networks": "net-1"}'), 501, `${UNSUPPORTED}valid_vip_networks 'net-1' is not of type 'array'`);
    expectFault(await post('{"management_network": ""}'), 501, /management_network '' does not match/);
    expectFault(await post('nope'), 400, 'nope is not a valid option for availability_zone_data');
    expectFault(await t.call('PUT', `/v2.0/lbaas/availabilityzoneprofiles/${p.id}`, { availability_zone_profile: { availability_zone_data: null } }), 400,
      'None is not a valid option for availability_zone_data');
    expect((await t.call('PUT', `/v2.0/lbaas/availabilityzoneprofiles/${p.id}`, { availability_zone_profile: { availability_zone_data: '{"compute_zone": "nova-az2"}' } })).status).toBe(200);
    expect((await t.call('DELETE', `/v2.0/lbaas/availabilityzoneprofiles/${p.id}`)).status).toBe(204);
    expectFault(await t.call('GET', `/v2.0/lbaas/availabilityzoneprofiles/${p.id}`), 404, `Availability Zone Profile ${p.id} not found.`);
  });
});

describe('availability zones', () => {
  it('are keyed by name: create, show, list, update, 409 on a duplicate, 404 for an unknown name', async () => {
    const p = await azProfile(t, { compute_zone: 'nova-east' });
    const created = await t.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: 'east', availability_zone_profile_id: p.id } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ availability_zone: { name: 'east', description: '', enabled: true, availability_zone_profile_id: p.id } });
    expectFault(await t.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: 'east', availability_zone_profile_id: p.id } }), 409,
      'A availability zone of east already exists.');
    expect((await t.call('GET', '/v2.0/lbaas/availabilityzones/east')).body.availability_zone.name).toBe('east');
    expectFault(await t.call('GET', '/v2.0/lbaas/availabilityzones/nowhere'), 404, 'Availability Zone nowhere not found.');
    const put = await t.call('PUT', '/v2.0/lbaas/availabilityzones/east', { availability_zone: { description: 'east coast', enabled: false } });
    expect(put.body.availability_zone).toEqual({ name: 'east', description: 'east coast', enabled: false, availability_zone_profile_id: p.id });
    expectFault(await t.call('PUT', '/v2.0/lbaas/availabilityzones/east', { availability_zone: { name: 'west' } }), 400, /Unknown attribute .*: name/);
    const list = await t.call('GET', '/v2.0/lbaas/availabilityzones?name=east');
    expect(list.body).toEqual({ availability_zones: [put.body.availability_zone], availability_zones_links: [] });
    const ghost = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
    expectFault(await t.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: 'ghost', availability_zone_profile_id: ghost } }), 400,
      `${ghost} is not a valid option for availability_zone_profile_id`);
  });

  it('pages by name', async () => {
    const p = await azProfile(t, {});
    for (const n of ['pg-1', 'pg-2', 'pg-3']) {
      await t.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: n, availability_zone_profile_id: p.id } });
    }
    const first = await t.call('GET', `/v2.0/lbaas/availabilityzones?availability_zone_profile_id=${p.id}&limit=2`);
    expect(first.body.availability_zones.map((a: any) => a.name)).toEqual(['pg-1', 'pg-2']);
    const next = new URL(first.body.availability_zones_links.find((l: any) => l.rel === 'next').href);
    expect(next.searchParams.get('marker')).toBe('pg-2');
    const second = await t.call('GET', `/v2.0/lbaas/availabilityzones?availability_zone_profile_id=${p.id}&limit=2&marker=pg-2`);
    expect(second.body.availability_zones.map((a: any) => a.name)).toEqual(['pg-3']);
    expectFault(await t.call('GET', '/v2.0/lbaas/availabilityzones?marker=nope'), 400, "Supplied pagination marker 'nope' is not valid.");
  });

  it('a load balancer in an AZ: the name is stored, disabled/unknown AZs are refused, valid_vip_networks applies, delete is 409 while used', async () => {
    const allowed = '11111111-2222-4333-8444-555555555555';
    const p = await azProfile(t, { compute_zone: 'nova-z', valid_vip_networks: [allowed] });
    await t.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: 'zone-z', availability_zone_profile_id: p.id } });
    const lb = await createLb(t, 'project-a', { availability_zone: 'zone-z', vip_network_id: allowed, vip_subnet_id: undefined });
    expect(lb.availability_zone).toBe('zone-z');
    expectFault(await t.call('POST', LB, { loadbalancer: { availability_zone: 'zone-z', vip_network_id: '99999999-2222-4333-8444-555555555555' } }), 400,
      'Validation failure: Supplied VIP network_id is not allowed by the configuration of this deployment.');
    expectFault(await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, availability_zone: 'atlantis' } }), 400, 'Validation failure: Invalid availability zone.');
    expectFault(await t.call('DELETE', '/v2.0/lbaas/availabilityzones/zone-z'), 409, 'Availability Zone zone-z is in use and cannot be modified.');
    expectFault(await t.call('DELETE', `/v2.0/lbaas/availabilityzoneprofiles/${p.id}`), 409, `Availability Zone Profile ${p.id} is in use and cannot be modified.`);
    await t.call('PUT', '/v2.0/lbaas/availabilityzones/zone-z', { availability_zone: { enabled: false } });
    expectFault(await t.call('POST', LB, { loadbalancer: { availability_zone: 'zone-z', vip_network_id: allowed } }), 400,
      'The selected availability_zone is not allowed in this deployment: zone-z');
    expect((await t.call('DELETE', `${LB}/${lb.id}`)).status).toBe(204);
    expect((await t.call('DELETE', '/v2.0/lbaas/availabilityzones/zone-z')).status).toBe(204);
  });

  it('the AZ metadata reaches the worker with the flavor metadata', async () => {
    const p = await azProfile(amp, { compute_zone: 'nova-w', management_network: 'mgmt' });
    await amp.call('POST', '/v2.0/lbaas/availabilityzones', { availability_zone: { name: 'west', availability_zone_profile_id: p.id } });
    const lb = await createLb(amp, 'project-a', { availability_zone: 'west' });
    const [flow] = await sql(amp, `SELECT payload FROM flow WHERE load_balancer_id = $1`, [lb.id]);
    expect(flow.payload).toEqual({ flavor: { loadbalancer_topology: 'SINGLE' }, availability_zone: { compute_zone: 'nova-w', management_network: 'mgmt' } });
  });
});

describe('RBAC (testing auth strategy, keystone default roles)', () => {
  const member = { 'x-project-id': 'project-m', 'x-roles': 'member,reader' };
  const admin = { 'x-project-id': 'project-admin', 'x-roles': 'admin,member,reader' };

  it('members read flavors and AZs; only admins write them or touch profiles', async () => {
    const fp = await rbac.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'p', provider_name: 'amphora', flavor_data: '{}' } }, admin);
    expect(fp.status).toBe(201);
    const f = await rbac.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'f', flavor_profile_id: fp.body.flavorprofile.id } }, admin);
    expect(f.status).toBe(201);
    expect((await rbac.call('GET', '/v2.0/lbaas/flavors', undefined, member)).status).toBe(200);
    expect((await rbac.call('GET', `/v2.0/lbaas/flavors/${f.body.flavor.id}`, undefined, member)).status).toBe(200);
    const forbidden = 'Policy does not allow this request to be performed.';
    expectFault(await rbac.call('POST', '/v2.0/lbaas/flavors', { flavor: { name: 'g', flavor_profile_id: fp.body.flavorprofile.id } }, member), 403, forbidden);
    expectFault(await rbac.call('PUT', `/v2.0/lbaas/flavors/${f.body.flavor.id}`, { flavor: { enabled: false } }, member), 403, forbidden);
    expectFault(await rbac.call('DELETE', `/v2.0/lbaas/flavors/${f.body.flavor.id}`, undefined, member), 403, forbidden);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/flavorprofiles', undefined, member), 403, forbidden);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/availabilityzoneprofiles', undefined, member), 403, forbidden);
    expect((await rbac.call('GET', '/v2.0/lbaas/availabilityzones', undefined, member)).status).toBe(200);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/flavors', undefined, { 'x-project-id': 'project-m', 'x-roles': '' }), 403, forbidden);
  });
});
