import { issueCertificate, makeCa } from '../../libs/cert-manager/src/testing/test-certificates';
import { startTestApi, TestApi } from '../support/api-harness';
import { CliError, OpenstackCli } from '../support/cli';
import { NeutronKeystoneStandIn } from '../support/openstack-standin';

/**
 * The real client (Debian's python-openstackclient 6.0.0 + python-octaviaclient 3.1.0) against our
 * flavor, flavor profile, availability zone, AZ profile and provider routes, with
 * NeutronKeystoneStandIn answering the subnet/project look-ups of `loadbalancer create`. The tests run
 * in order and share the objects they create.
 */

const NETWORK = { id: '3b0f1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', name: 'az-net', project_id: '5f4e3d2c1b0a49887766554433221100' };
const SUBNET = {
  id: '8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d', name: 'az-subnet', network_id: NETWORK.id, cidr: '198.51.100.0/24', ip_version: 4 as const,
  project_id: NETWORK.project_id, gateway_ip: '198.51.100.1',
};
const PROJECT = { id: NETWORK.project_id, name: 'demo' };

let t: TestApi;
let standIn: NeutronKeystoneStandIn;
let cli: OpenstackCli;

beforeAll(async () => {
  t = await startTestApi();
  standIn = new NeutronKeystoneStandIn({ networks: [NETWORK], subnets: [SUBNET], projects: [PROJECT] });
  await standIn.start();
  cli = new OpenstackCli(t.url, standIn.url);
});
afterAll(async () => {
  cli?.cleanup();
  await standIn?.stop();
  await t?.close();
});

const api = async (path: string) => (await t.call('GET', `/v2.0/lbaas/${path}`)).body;
const ids: Record<string, string> = {};

/** A command that must fail; returns what the client printed. */
async function fails(args: string[]): Promise<string> {
  const r = await cli.run(args);
  if (r.code === 0) throw new CliError(args, r);
  return r.stderr + r.stdout;
}

describe('provider', () => {
  test('provider list', async () => {
    const providers = await cli.json(['loadbalancer', 'provider', 'list']);
    expect(providers).toEqual([
      { name: 'amphora', description: 'The Octavia Amphora driver.' },
      { name: 'octavia', description: 'Deprecated alias of the Octavia Amphora driver.' },
      { name: 'noop_driver', description: expect.any(String) },
    ]);
  });

  test('provider capability list: flavor and availability zone capabilities', async () => {
    const all = await cli.json(['loadbalancer', 'provider', 'capability', 'list', 'amphora']);
    expect(all.map((c: any) => `${c.type}:${c.name}`)).toEqual([
      'flavor:loadbalancer_topology', 'flavor:compute_flavor', 'flavor:amp_image_tag', 'flavor:sriov_vip', 'flavor:allow_member_sriov',
      'availability_zone:compute_zone', 'availability_zone:management_network', 'availability_zone:valid_vip_networks', 'availability_zone:volume_zone',
    ]);
    const flavorOnly = await cli.json(['loadbalancer', 'provider', 'capability', 'list', '--flavor', 'amphora']);
    expect(flavorOnly.map((c: any) => c.name)).toEqual(['loadbalancer_topology', 'compute_flavor', 'amp_image_tag', 'sriov_vip', 'allow_member_sriov']);
    const azOnly = await cli.json(['loadbalancer', 'provider', 'capability', 'list', '--availability-zone', 'amphora']);
    expect(azOnly.map((c: any) => c.name)).toEqual(['compute_zone', 'management_network', 'valid_vip_networks', 'volume_zone']);
    expect(await fails(['loadbalancer', 'provider', 'capability', 'list', 'bogus'])).toContain("Provider 'bogus' is not enabled.");
  });
});

describe('flavorprofile', () => {
  test('create, list, show', async () => {
    const fp = await cli.json(['loadbalancer', 'flavorprofile', 'create', '--name', 'fp-single', '--provider', 'noop_driver', '--flavor-data', '{"loadbalancer_topology": "SINGLE"}']);
    expect(fp).toMatchObject({ name: 'fp-single', provider_name: 'noop_driver', flavor_data: '{"loadbalancer_topology": "SINGLE"}' });
    ids.fp = fp.id;
    const amp = await cli.json(['loadbalancer', 'flavorprofile', 'create', '--name', 'fp-ha', '--provider', 'amphora', '--flavor-data', '{"loadbalancer_topology": "ACTIVE_STANDBY"}']);
    ids.fpHa = amp.id;
    const list = await cli.json(['loadbalancer', 'flavorprofile', 'list']);
    expect(list.map((p: any) => p.name).sort()).toEqual(['fp-ha', 'fp-single']);
    expect(await cli.json(['loadbalancer', 'flavorprofile', 'show', 'fp-single'])).toMatchObject({ id: ids.fp, provider_name: 'noop_driver' });
  });

  test('the amphora driver refuses unknown keys (501 faultstring shown)', async () => {
    const out = await fails(['loadbalancer', 'flavorprofile', 'create', '--name', 'bad', '--provider', 'amphora', '--flavor-data', '{"bogus": true}']);
    expect(out).toContain("Provider 'amphora' does not support a requested option: Additional properties are not allowed ('bogus' was unexpected)");
  });

  test('set', async () => {
    await cli.ok(['loadbalancer', 'flavorprofile', 'set', '--name', 'fp-ha2', '--flavor-data', '{"loadbalancer_topology": "SINGLE", "compute_flavor": "m1"}', 'fp-ha']);
    expect((await api(`flavorprofiles/${ids.fpHa}`)).flavorprofile).toMatchObject({ name: 'fp-ha2', flavor_data: '{"loadbalancer_topology": "SINGLE", "compute_flavor": "m1"}' });
  });
});

describe('flavor', () => {
  test('create by profile name, list, show', async () => {
    const f = await cli.json(['loadbalancer', 'flavor', 'create', '--name', 'gold', '--flavorprofile', 'fp-single', '--description', 'the good one', '--enable']);
    expect(f).toMatchObject({ name: 'gold', flavor_profile_id: ids.fp, description: 'the good one', enabled: true });
    ids.flavor = f.id;
    const list = await cli.json(['loadbalancer', 'flavor', 'list']);
    expect(list).toEqual([expect.objectContaining({ id: f.id, name: 'gold', flavor_profile_id: ids.fp, enabled: true })]);
    expect(await cli.json(['loadbalancer', 'flavor', 'show', 'gold'])).toMatchObject({ id: f.id, description: 'the good one' });
    expect(await fails(['loadbalancer', 'flavor', 'create', '--name', 'gold', '--flavorprofile', 'fp-single'])).toContain('A flavor of gold already exists.');
  });

  test('set and unset', async () => {
    await cli.ok(['loadbalancer', 'flavor', 'set', '--name', 'platinum', '--disable', 'gold']);
    expect((await api(`flavors/${ids.flavor}`)).flavor).toMatchObject({ name: 'platinum', enabled: false });
    expect((await cli.json(['loadbalancer', 'flavor', 'list', '--disable'])).map((f: any) => f.name)).toEqual(['platinum']);
    await cli.ok(['loadbalancer', 'flavor', 'unset', '--description', 'platinum']);
    await cli.ok(['loadbalancer', 'flavor', 'set', '--enable', 'platinum']);
    expect((await api(`flavors/${ids.flavor}`)).flavor).toMatchObject({ description: '', enabled: true });
  });
});

describe('availabilityzoneprofile and availabilityzone', () => {
  test('profile create, list, show, set', async () => {
    const p = await cli.json(['loadbalancer', 'availabilityzoneprofile', 'create', '--name', 'azp', '--provider', 'noop_driver', '--availability-zone-data', '{"compute_zone": "nova-1"}']);
    expect(p).toMatchObject({ name: 'azp', provider_name: 'noop_driver', availability_zone_data: '{"compute_zone": "nova-1"}' });
    ids.azp = p.id;
    expect((await cli.json(['loadbalancer', 'availabilityzoneprofile', 'list'])).map((x: any) => x.id)).toEqual([p.id]);
    await cli.ok(['loadbalancer', 'availabilityzoneprofile', 'set', '--name', 'azp-1', 'azp']);
    expect(await cli.json(['loadbalancer', 'availabilityzoneprofile', 'show', 'azp-1'])).toMatchObject({ id: p.id });
    const bad = await fails(['loadbalancer', 'availabilityzoneprofile', 'create', '--name', 'bad', '--provider', 'amphora', '--availability-zone-data', '{"zone": 1}']);
    expect(bad).toContain("Additional properties are not allowed ('zone' was unexpected)");
  });

  test('zone create, list, show, set, unset', async () => {
    const az = await cli.json(['loadbalancer', 'availabilityzone', 'create', '--name', 'zone-1', '--availabilityzoneprofile', 'azp-1', '--description', 'first']);
    expect(az).toMatchObject({ name: 'zone-1', availability_zone_profile_id: ids.azp, description: 'first', enabled: true });
    expect((await cli.json(['loadbalancer', 'availabilityzone', 'list'])).map((x: any) => x.name)).toEqual(['zone-1']);
    expect(await cli.json(['loadbalancer', 'availabilityzone', 'show', 'zone-1'])).toMatchObject({ name: 'zone-1', description: 'first' });
    await cli.ok(['loadbalancer', 'availabilityzone', 'set', '--description', 'one', '--disable', 'zone-1']);
    expect((await api('availabilityzones/zone-1')).availability_zone).toMatchObject({ description: 'one', enabled: false });
    await cli.ok(['loadbalancer', 'availabilityzone', 'unset', '--description', 'zone-1']);
    await cli.ok(['loadbalancer', 'availabilityzone', 'set', '--enable', 'zone-1']);
    expect((await api('availabilityzones/zone-1')).availability_zone).toMatchObject({ description: '', enabled: true });
  });
});

describe('a load balancer with a flavor and an availability zone', () => {
  test('loadbalancer create --flavor --availability-zone --wait', async () => {
    const lb = await cli.json([
      'loadbalancer', 'create', '--name', 'flavored', '--vip-subnet-id', 'az-subnet', '--project', 'demo',
      '--flavor', 'platinum', '--availability-zone', 'zone-1', '--wait',
    ]);
    expect(lb).toMatchObject({ name: 'flavored', flavor_id: ids.flavor, availability_zone: 'zone-1', provider: 'noop_driver', provisioning_status: 'ACTIVE' });
    ids.lb = lb.id;
    expect(standIn.unexpected).toEqual([]);
  });

  test('in-use flavor, profile and zone cannot be deleted; after the load balancer they can', async () => {
    expect(await fails(['loadbalancer', 'flavor', 'delete', 'platinum'])).toContain(`Flavor ${ids.flavor} is in use and cannot be modified.`);
    expect(await fails(['loadbalancer', 'flavorprofile', 'delete', 'fp-single'])).toContain(`Flavor profile ${ids.fp} is in use and cannot be modified.`);
    expect(await fails(['loadbalancer', 'availabilityzone', 'delete', 'zone-1'])).toContain('Availability Zone zone-1 is in use and cannot be modified.');
    await cli.ok(['loadbalancer', 'delete', '--wait', ids.lb]);
    await cli.ok(['loadbalancer', 'flavor', 'delete', 'platinum']);
    await cli.ok(['loadbalancer', 'flavorprofile', 'delete', 'fp-single']);
    await cli.ok(['loadbalancer', 'flavorprofile', 'delete', 'fp-ha2']);
    await cli.ok(['loadbalancer', 'availabilityzone', 'delete', 'zone-1']);
    await cli.ok(['loadbalancer', 'availabilityzoneprofile', 'delete', 'azp-1']);
    expect(await cli.json(['loadbalancer', 'flavor', 'list'])).toEqual([]);
    expect(await cli.json(['loadbalancer', 'flavorprofile', 'list'])).toEqual([]);
    expect(await cli.json(['loadbalancer', 'availabilityzone', 'list'])).toEqual([]);
    expect(await cli.json(['loadbalancer', 'availabilityzoneprofile', 'list'])).toEqual([]);
  });
});

describe('TLS references through the client', () => {
  test('listener create with a local:// certificate; an unknown reference shows the 400 faultstring', async () => {
    const ca = makeCa();
    const cert = issueCertificate(ca, { commonName: 'cli.example.test' });
    const added = await t.call('POST', '/v2/octavia-ts/certificates', { certificate: { name: 'cli', certificate: cert.certPem, private_key: cert.keyPem } });
    expect(added.status).toBe(201);
    const ref = added.body.certificate.ref;
    await cli.json(['loadbalancer', 'create', '--name', 'tls-lb', '--vip-subnet-id', 'az-subnet', '--project', 'demo', '--wait']);
    const listener = await cli.json([
      'loadbalancer', 'listener', 'create', '--name', 'https', '--protocol', 'TERMINATED_HTTPS', '--protocol-port', '443',
      '--default-tls-container-ref', ref, '--wait', 'tls-lb',
    ]);
    expect(listener).toMatchObject({ name: 'https', protocol: 'TERMINATED_HTTPS', default_tls_container_ref: ref, provisioning_status: 'ACTIVE' });
    const out = await fails([
      'loadbalancer', 'listener', 'create', '--protocol', 'TERMINATED_HTTPS', '--protocol-port', '8443',
      '--default-tls-container-ref', 'local://no-such-certificate', 'tls-lb',
    ]);
    expect(out).toContain("Could not retrieve certificate: ['local://no-such-certificate']");
  });
});
