import { DataSource } from 'typeorm';
import { JsonLogger, OctaviaConfig } from '../../../libs/common/src';
import { NetworkEntity, PortEntity, SubnetEntity, allocatePort, dataSourceOptions, releasePort, runMigrations, subnetContains } from '../../../libs/database/src';
import { LocalNetworkDriver, createLocalNetwork } from '../../../libs/drivers/src/network/local-network.driver';
import { EmbeddedServices } from './embedded-services';

export const NETWORK_USAGE = `  network create NAME --cidr 10.0.0.0/24 [--gateway IP|none] [--pool FIRST-LAST] [--project ID]
                   define a network of the local network driver (a bridge in its namespace) with one subnet
  network list     networks and subnets with their bridges and free addresses
  network delete NAME|ID
                   remove a network nothing uses any more
  network attach NAME|ID --address IP/PREFIX (--namespace NS | --host) [--ifname NAME]
                   connect a namespace (created if missing) or this host to the network: backends and clients`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function openDatabase(config: OctaviaConfig, logger: JsonLogger): Promise<DataSource> {
  const url = config.databaseUrl ?? (await new EmbeddedServices(config.dataDir, logger).ensurePostgres());
  await runMigrations(url);
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  return ds;
}

async function find(ds: DataSource, ref: string): Promise<NetworkEntity> {
  const byName = await ds.manager.findBy(NetworkEntity, { name: ref });
  if (byName.length > 1) throw new Error(`several networks are named ${ref}; use the id`);
  const n = byName[0] ?? (/^[0-9a-f-]{36}$/i.test(ref) ? await ds.manager.findOneBy(NetworkEntity, { id: ref }) : null);
  if (!n) throw new Error(`no network ${ref}`);
  return n;
}

/** `octavia-ts network …`: the operator's side of the local network driver. Prints JSON lines. */
export async function networkCommand(config: OctaviaConfig, args: string[], logger: JsonLogger, out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<void> {
  const [sub, name] = args;
  const driver = new LocalNetworkDriver(config.worker.local);
  const ds = await openDatabase(config, logger);
  try {
    switch (sub) {
      case 'create': {
        const cidr = option(args, '--cidr');
        if (!name || !cidr) throw new Error('usage: network create NAME --cidr CIDR');
        const gw = option(args, '--gateway');
        const pool = option(args, '--pool')?.split('-');
        const { network, subnet } = await createLocalNetwork(ds.manager, driver, {
          name,
          cidr,
          gateway: gw === 'none' ? null : gw,
          projectId: option(args, '--project') ?? null,
          allocationStart: pool?.[0],
          allocationEnd: pool?.[1],
        });
        out(JSON.stringify({ network_id: network.id, name: network.name, subnet_id: subnet.id, cidr: subnet.cidr, gateway_ip: subnet.gatewayIp, allocation_pools: subnet.allocationPools, bridge: `${config.worker.local.namespace}/${network.bridge}` }));
        return;
      }
      case 'list': {
        for (const n of await ds.manager.find(NetworkEntity, { order: { createdAt: 'ASC' } })) {
          const subnets = await ds.manager.findBy(SubnetEntity, { networkId: n.id });
          const ports = await ds.manager.countBy(PortEntity, { networkId: n.id });
          out(JSON.stringify({ network_id: n.id, name: n.name, project_id: n.projectId, bridge: n.bridge, ports, subnets: subnets.map((s) => ({ id: s.id, cidr: s.cidr, gateway_ip: s.gatewayIp })) }));
        }
        return;
      }
      case 'delete': {
        const n = await find(ds, name ?? '');
        const [{ ports }] = await ds.query(`SELECT count(*)::int AS ports FROM port WHERE network_id = $1 AND device_owner IS DISTINCT FROM 'network:host'`, [n.id]);
        if (ports) throw new Error(`network ${n.name} still has ${ports} port(s) (VIPs, amphorae); delete its load balancers first`);
        await ds.manager.delete(NetworkEntity, { id: n.id });
        await driver.removeNetwork(n.id);
        out(JSON.stringify({ deleted: n.id }));
        return;
      }
      case 'attach': {
        const n = await find(ds, name ?? '');
        const address = option(args, '--address');
        const ns = option(args, '--namespace');
        if (!address || (!ns && !args.includes('--host'))) throw new Error('usage: network attach NAME --address IP/PREFIX (--namespace NS | --host)');
        if (ns && !/^[A-Za-z0-9_.-]{1,64}$/.test(ns)) throw new Error('namespace names are letters, digits, "_", "." and "-"');
        const ifname = option(args, '--ifname') ?? (ns ? 'eth0' : `ots-${n.id.slice(0, 8)}`);
        if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname)) throw new Error('interface names are at most 15 letters, digits, "_", "." or "-"');
        // The address is recorded like a port, so the driver never hands it to a VIP or an amphora.
        const ip = address.split('/')[0];
        const subnet = (await ds.manager.findBy(SubnetEntity, { networkId: n.id })).find((s) => subnetContains(s.cidr, ip));
        if (!subnet) throw new Error(`${ip} is not in a subnet of network ${n.name}`);
        const port = await ds.transaction((em) => allocatePort(em, subnet, { name: `host-${ns ?? 'root'}`, deviceId: ns ?? 'host', deviceOwner: 'network:host', ipAddress: ip }));
        try {
          await driver.attachHost(n.id, { namespace: ns ?? null, ifname, address });
        } catch (err) {
          await ds.transaction((em) => releasePort(em, port.id));
          throw err;
        }
        out(JSON.stringify({ network_id: n.id, namespace: ns ?? null, ifname, address }));
        return;
      }
      default:
        throw new Error(`usage:\n${NETWORK_USAGE}`);
    }
  } finally {
    await ds.destroy();
  }
}
