import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Networks, subnets and ports of the `local` network driver (and the Neutron stand-in answers built from them). */
@Entity('network')
export class NetworkEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('varchar', { length: 15, nullable: true }) bridge: string | null;
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
}

@Entity('subnet')
export class SubnetEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'network_id' }) networkId: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 64 }) cidr: string;
  @Column('integer', { name: 'ip_version' }) ipVersion: number;
  @Column('varchar', { length: 64, nullable: true, name: 'gateway_ip' }) gatewayIp: string | null;
  @Column('jsonb', { name: 'allocation_pools' }) allocationPools: Array<{ start: string; end: string }>;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
}

@Entity('port')
export class PortEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'network_id' }) networkId: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 255, nullable: true, name: 'device_id' }) deviceId: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'device_owner' }) deviceOwner: string | null;
  @Column('varchar', { length: 17, name: 'mac_address' }) macAddress: string;
  @Column('jsonb', { name: 'fixed_ips' }) fixedIps: Array<{ subnet_id: string; ip_address: string }>;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
}

/** One row per allocated address, so two allocations of the same IP fail on the primary key. */
@Entity('ip_allocation')
export class IpAllocationEntity {
  @PrimaryColumn('uuid', { name: 'subnet_id' }) subnetId: string;
  @PrimaryColumn('varchar', { length: 64, name: 'ip_address' }) ipAddress: string;
  @Column('uuid', { name: 'port_id' }) portId: string;
}
