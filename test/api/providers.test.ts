/**
 * GET /providers and the providers' flavor / availability-zone capability lists (spec 9.9): the enabled
 * providers minus those this build cannot load, `fields`, the `name`/`description` filters (other query
 * parameters ignored), 400 for a provider that is not enabled, 501 for one that is enabled but not
 * loadable, admin-only capabilities.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApi, startTestApi } from '../support/api-harness';
import { expectFault } from './lb-helpers';

jest.setTimeout(120000);

let t: TestApi;
let rbac: TestApi;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'providers-'));
  const file = join(dir, 'octavia.conf');
  // `f5` is enabled in the configuration but this build has no such driver.
  writeFileSync(file, '[api_settings]\nenabled_provider_drivers = amphora:The Octavia Amphora driver.,octavia:Deprecated alias of the Octavia Amphora driver.,noop_driver:No-op driver.,f5:F5 Networks provider driver.\n');
  [t, rbac] = await Promise.all([
    startTestApi({ OCTAVIA_TS_CONFIG_FILE: file }),
    startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing' }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), rbac?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const AMPHORA_FLAVOR_CAPS = ['loadbalancer_topology', 'compute_flavor', 'amp_image_tag', 'sriov_vip', 'allow_member_sriov'];
const AMPHORA_AZ_CAPS = ['compute_zone', 'management_network', 'valid_vip_networks', 'volume_zone'];

describe('GET /providers', () => {
  it('lists the enabled providers that can be loaded, without links', async () => {
    const r = await t.call('GET', '/v2.0/lbaas/providers');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      providers: [
        { name: 'amphora', description: 'The Octavia Amphora driver.' },
        { name: 'octavia', description: 'Deprecated alias of the Octavia Amphora driver.' },
        { name: 'noop_driver', description: 'No-op driver.' },
      ],
    });
  });

  it('honours fields and ignores filters; the unprefixed alias works', async () => {
    expect((await t.call('GET', '/v2/providers?fields=name')).body.providers).toEqual([{ name: 'amphora' }, { name: 'octavia' }, { name: 'noop_driver' }]);
    expect((await t.call('GET', '/v2/lbaas/providers?bogus=1&name=amphora')).body.providers).toHaveLength(3);
  });

  it('the default provider list (no configuration) has amphora, its alias and the no-op driver', async () => {
    const r = await rbac.call('GET', '/v2.0/lbaas/providers', undefined, { 'x-roles': 'admin' });
    expect(r.body.providers.map((p: any) => p.name)).toEqual(['amphora', 'octavia', 'noop_driver']);
  });
});

describe('flavor capabilities', () => {
  it('the amphora provider lists its flavor keys with descriptions', async () => {
    const r = await t.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['flavor_capabilities']);
    expect(r.body.flavor_capabilities.map((c: any) => c.name)).toEqual(AMPHORA_FLAVOR_CAPS);
    expect(r.body.flavor_capabilities[0]).toEqual({
      name: 'loadbalancer_topology',
      description: 'The load balancer topology. One of: SINGLE - One amphora per load balancer. ACTIVE_STANDBY - Two amphora per load balancer.',
    });
    for (const c of r.body.flavor_capabilities) expect(c.description.length).toBeGreaterThan(10);
  });

  it('filters by exact name or description, honours fields, ignores other parameters', async () => {
    const one = await t.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities?name=sriov_vip');
    expect(one.body.flavor_capabilities).toEqual([{ name: 'sriov_vip', description: expect.any(String) }]);
    const byDescription = await t.call('GET', `/v2.0/lbaas/providers/amphora/flavor_capabilities?description=${encodeURIComponent(one.body.flavor_capabilities[0].description)}`);
    expect(byDescription.body.flavor_capabilities.map((c: any) => c.name)).toEqual(['sriov_vip']);
    expect((await t.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities?name=sriov')).body.flavor_capabilities).toEqual([]);
    const names = await t.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities?fields=name&other=1');
    expect(names.body.flavor_capabilities).toEqual(AMPHORA_FLAVOR_CAPS.map((name) => ({ name })));
  });

  it('the octavia alias answers like amphora; the no-op driver has its own list', async () => {
    expect((await t.call('GET', '/v2.0/lbaas/providers/octavia/flavor_capabilities')).body.flavor_capabilities.map((c: any) => c.name)).toEqual(AMPHORA_FLAVOR_CAPS);
    expect((await t.call('GET', '/v2.0/lbaas/providers/noop_driver/flavor_capabilities')).body.flavor_capabilities.map((c: any) => c.name)).toEqual(['amp_image_tag']);
  });

  it('400 for a provider that is not enabled, 501 for one that is enabled but not loadable', async () => {
    expectFault(await t.call('GET', '/v2.0/lbaas/providers/bogus/flavor_capabilities'), 400, "Provider 'bogus' is not enabled.");
    expectFault(await t.call('GET', '/v2.0/lbaas/providers/f5/flavor_capabilities'), 501, "Provider 'f5' was not found.");
    expectFault(await t.call('GET', '/v2.0/lbaas/providers/f5/availability_zone_capabilities'), 501, "Provider 'f5' was not found.");
    // and the same provider check applies to profiles
    expectFault(await t.call('POST', '/v2.0/lbaas/flavorprofiles', { flavorprofile: { name: 'x', provider_name: 'f5', flavor_data: '{}' } }), 501, "Provider 'f5' was not found.");
  });
});

describe('availability zone capabilities', () => {
  it('the amphora provider lists its AZ keys; filters and fields work', async () => {
    const r = await t.call('GET', '/v2.0/lbaas/providers/amphora/availability_zone_capabilities');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['availability_zone_capabilities']);
    expect(r.body.availability_zone_capabilities.map((c: any) => c.name)).toEqual(AMPHORA_AZ_CAPS);
    const one = await t.call('GET', '/v2.0/lbaas/providers/amphora/availability_zone_capabilities?name=valid_vip_networks&fields=name');
    expect(one.body.availability_zone_capabilities).toEqual([{ name: 'valid_vip_networks' }]);
    expect((await t.call('GET', '/v2.0/lbaas/providers/noop_driver/availability_zone_capabilities')).body.availability_zone_capabilities.map((c: any) => c.name)).toEqual(['compute_zone']);
    expectFault(await t.call('GET', '/v2.0/lbaas/providers/nope/availability_zone_capabilities'), 400, "Provider 'nope' is not enabled.");
  });
});

describe('RBAC (testing auth strategy)', () => {
  const forbidden = 'Policy does not allow this request to be performed.';
  it('readers list providers; capabilities are admin only', async () => {
    const reader = { 'x-project-id': 'p1', 'x-roles': 'reader' };
    expect((await rbac.call('GET', '/v2.0/lbaas/providers', undefined, reader)).status).toBe(200);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities', undefined, reader), 403, forbidden);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/providers/amphora/availability_zone_capabilities', undefined, { 'x-project-id': 'p1', 'x-roles': 'member,reader' }), 403, forbidden);
    expectFault(await rbac.call('GET', '/v2.0/lbaas/providers', undefined, { 'x-project-id': 'p1', 'x-roles': 'other' }), 403, forbidden);
    const admin = { 'x-project-id': 'p1', 'x-roles': 'admin' };
    expect((await rbac.call('GET', '/v2.0/lbaas/providers/amphora/flavor_capabilities', undefined, admin)).status).toBe(200);
    // RBAC comes before the provider check
    expectFault(await rbac.call('GET', '/v2.0/lbaas/providers/bogus/flavor_capabilities', undefined, reader), 403, forbidden);
  });
});
