import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JsonLogger, loadConfig } from '../../libs/common/src';
import { dataSourceOptions } from '../../libs/database/src';
import { run, runQuiet, namespaceExists } from '../../libs/drivers/src/util/exec';
import { LocalNetworkDriver, bridgeName } from '../../libs/drivers/src/network/local-network.driver';
import { networkCommand } from '../../apps/cli/src/network-commands';
import { createTestDatabase } from '../support/api-harness';

/** `octavia-ts network …` against real PostgreSQL and real bridges in a private namespace. */
describe('octavia-ts network commands', () => {
  const suffix = randomBytes(3).toString('hex').slice(0, 5);
  const env = { OCTAVIA_TS_LOCAL_NAMESPACE: `otsnc-${suffix}`, OCTAVIA_TS_MGMT_BRIDGE: `otmc${suffix}` };
  const hostNs = `otsnch-${suffix}`;
  let db: { url: string; drop(): Promise<void> };
  let lines: string[] = [];
  const cmd = async (...args: string[]) => {
    lines = [];
    const config = loadConfig({ ...env, OCTAVIA_TS_DATABASE_URL: db.url });
    await networkCommand(config, args.slice(1), new JsonLogger('test', 'error'), (s) => lines.push(s));
    return lines.map((l) => JSON.parse(l));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await runQuiet(['ip', 'netns', 'del', hostNs]);
    await new LocalNetworkDriver(loadConfig(env).worker.local).destroyAll();
    await db.drop();
  });

  it('creates a network with its subnet and bridge, lists it, attaches a namespace, refuses and then allows delete', async () => {
    const [created] = await cmd('network', 'create', 'demo', '--cidr', '10.77.3.9/24', '--pool', '10.77.3.100-10.77.3.150');
    expect(created).toMatchObject({ name: 'demo', cidr: '10.77.3.0/24', gateway_ip: '10.77.3.1', allocation_pools: [{ start: '10.77.3.100', end: '10.77.3.150' }] });
    const bridges = await run(['ip', '-n', env.OCTAVIA_TS_LOCAL_NAMESPACE, '-o', 'link', 'show', 'type', 'bridge']);
    expect(bridges).toContain(bridgeName(created.network_id));
    const listed = await cmd('network', 'list');
    expect(listed).toEqual([expect.objectContaining({ network_id: created.network_id, ports: 0, subnets: [{ id: created.subnet_id, cidr: '10.77.3.0/24', gateway_ip: '10.77.3.1' }] })]);

    await cmd('network', 'attach', 'demo', '--namespace', hostNs, '--address', '10.77.3.20/24');
    expect(await namespaceExists(hostNs)).toBe(true);
    expect(await run(['ip', '-n', hostNs, '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).toContain('10.77.3.20/24');
    const enslaved = await run(['ip', '-n', env.OCTAVIA_TS_LOCAL_NAMESPACE, '-o', 'link', 'show', 'master', bridgeName(created.network_id)]);
    expect(enslaved.trim().split('\n')).toHaveLength(1);

    await expect(cmd('network', 'attach', 'demo', '--namespace', 'bad name;x', '--address', '10.77.3.21/24')).rejects.toThrow(/namespace names/);
    // The attached address is reserved: asking for it again is refused by the IPAM, before any link is made.
    await expect(cmd('network', 'attach', 'demo', '--namespace', `${hostNs}x`, '--address', '10.77.3.20/24')).rejects.toThrow(/already allocated/);
    await expect(cmd('network', 'attach', 'demo', '--namespace', `${hostNs}x`, '--address', '10.9.9.9/24')).rejects.toThrow(/not in a subnet/);
    await expect(cmd('network', 'create', 'x', '--cidr', '10.1.2.3/33')).rejects.toThrow(/CIDR/);
    await expect(cmd('network', 'create', 'bad\nname', '--cidr', '10.1.2.0/24')).rejects.toThrow(/network names/);

    const ds = new DataSource(dataSourceOptions(db.url));
    await ds.initialize();
    await ds.query(`INSERT INTO port (id, network_id, name, mac_address, fixed_ips, created_at) VALUES (gen_random_uuid(), $1, 'p', 'fa:16:3e:00:00:01', '[]', now())`, [created.network_id]);
    await expect(cmd('network', 'delete', 'demo')).rejects.toThrow(/still has 1 port/);
    await ds.query(`DELETE FROM port WHERE device_owner IS NULL`);
    await ds.destroy();
    expect(await cmd('network', 'delete', created.network_id)).toEqual([{ deleted: created.network_id }]);
    expect(await run(['ip', '-n', env.OCTAVIA_TS_LOCAL_NAMESPACE, '-o', 'link', 'show', 'type', 'bridge'])).not.toContain(bridgeName(created.network_id));
    expect(await cmd('network', 'list')).toEqual([]);
  });
});
