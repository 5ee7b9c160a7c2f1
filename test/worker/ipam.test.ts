import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NetworkEntity, SubnetEntity, allocatePort, dataSourceOptions } from '../../libs/database/src';
import { createTestDatabase } from '../support/api-harness';

/** Concurrent allocations on one subnet (failovers of several load balancers at once) each get their own address. */
describe('IPAM under concurrency', () => {
  let db: { url: string; drop(): Promise<void> };
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource({ ...dataSourceOptions(db.url), extra: { max: 20 } } as never);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('hands out 12 distinct addresses to 12 simultaneous transactions', async () => {
    const network = { id: randomUUID(), name: 'n', projectId: null, bridge: null, createdAt: new Date() };
    await ds.manager.insert(NetworkEntity, network);
    const subnet = ds.manager.create(SubnetEntity, {
      id: randomUUID(), networkId: network.id, name: 's', cidr: '10.5.5.0/24', ipVersion: 4, gatewayIp: '10.5.5.1', allocationPools: [{ start: '10.5.5.10', end: '10.5.5.40' }], projectId: null,
    });
    await ds.manager.insert(SubnetEntity, subnet);
    const ports = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ds.transaction(async (em) => {
          const p = await allocatePort(em, subnet, { name: `p${i}`, deviceOwner: 'octavia:vrrp' });
          await new Promise((r) => setTimeout(r, 20)); // hold the transaction open a little, as a flow step does
          return p.fixedIps[0].ip_address;
        }),
      ),
    );
    expect(new Set(ports).size).toBe(12);
    expect([...ports].sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3]))[0]).toBe('10.5.5.10');
  });
});
