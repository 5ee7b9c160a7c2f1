import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('load_balancer')
export class LoadBalancerEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 36, nullable: true }) topology: string | null;
  @Column('varchar', { length: 64, nullable: true }) provider: string | null;
  @Column('uuid', { nullable: true, name: 'flavor_id' }) flavorId: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'availability_zone' }) availabilityZone: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'server_group_id' }) serverGroupId: string | null;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
  // VIP (one per load balancer; upstream keeps it in its own table, we keep it on the row it belongs to)
  @Column('varchar', { length: 64, nullable: true, name: 'vip_address' }) vipAddress: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'vip_port_id' }) vipPortId: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'vip_subnet_id' }) vipSubnetId: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'vip_network_id' }) vipNetworkId: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'vip_qos_policy_id' }) vipQosPolicyId: string | null;
  @Column('boolean', { default: true, name: 'vip_octavia_owned' }) vipOctaviaOwned: boolean;
  @Column('varchar', { length: 16, default: 'normal', name: 'vip_vnic_type' }) vipVnicType: string;
  @Column('text', { array: true, default: () => "'{}'", name: 'vip_sg_ids' }) vipSgIds: string[];
}

@Entity('additional_vip')
export class AdditionalVipEntity {
  @PrimaryColumn('uuid', { name: 'load_balancer_id' }) loadBalancerId: string;
  @PrimaryColumn('varchar', { length: 36, name: 'subnet_id' }) subnetId: string;
  @Column('varchar', { length: 36, nullable: true, name: 'network_id' }) networkId: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'ip_address' }) ipAddress: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'port_id' }) portId: string | null;
}
