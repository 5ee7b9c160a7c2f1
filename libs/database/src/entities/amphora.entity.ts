import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './columns';

@Entity('amphora')
export class AmphoraEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255, nullable: true, name: 'compute_id' }) computeId: string | null;
  @Column('varchar', { length: 36 }) status: string;
  @Column('uuid', { nullable: true, name: 'load_balancer_id' }) loadBalancerId: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'lb_network_ip' }) lbNetworkIp: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'vrrp_ip' }) vrrpIp: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'ha_ip' }) haIp: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'vrrp_port_id' }) vrrpPortId: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'ha_port_id' }) haPortId: string | null;
  @Column('varchar', { length: 36, nullable: true }) role: string | null;
  @Column('timestamp', { nullable: true, name: 'cert_expiration' }) certExpiration: Date | null;
  @Column('boolean', { default: false, name: 'cert_busy' }) certBusy: boolean;
  @Column('varchar', { length: 16, nullable: true, name: 'vrrp_interface' }) vrrpInterface: string | null;
  @Column('integer', { nullable: true, name: 'vrrp_id' }) vrrpId: number | null;
  @Column('integer', { nullable: true, name: 'vrrp_priority' }) vrrpPriority: number | null;
  @Column('varchar', { length: 255, nullable: true, name: 'cached_zone' }) cachedZone: string | null;
  @Column('varchar', { length: 36, nullable: true, name: 'image_id' }) imageId: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'compute_flavor' }) computeFlavor: string | null;
  @Column('varchar', { length: 32, nullable: true, name: 'compute_driver' }) computeDriver: string | null;
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}

@Entity('amphora_health')
export class AmphoraHealthEntity {
  @PrimaryColumn('uuid', { name: 'amphora_id' }) amphoraId: string;
  @Column('timestamp', { name: 'last_update' }) lastUpdate: Date;
  @Column('boolean') busy: boolean;
  /** Which health manager claimed this amphora for failover, and when (several managers never take the same one). */
  @Column('varchar', { length: 255, nullable: true, name: 'claimed_by' }) claimedBy: string | null;
  @Column('timestamp', { nullable: true, name: 'claimed_at' }) claimedAt: Date | null;
  @Column('integer', { default: 0, name: 'failover_attempts' }) failoverAttempts: number;
  @Column('timestamp', { nullable: true, name: 'next_failover_at' }) nextFailoverAt: Date | null;
  /** The failover flow this claim started; its outcome decides between clearing the claim and a retry with backoff. */
  @Column('uuid', { nullable: true, name: 'failover_flow_id' }) failoverFlowId: string | null;
}

@Entity('vrrp_group')
export class VrrpGroupEntity {
  @PrimaryColumn('uuid', { name: 'load_balancer_id' }) loadBalancerId: string;
  @Column('varchar', { length: 36, name: 'vrrp_group_name' }) vrrpGroupName: string;
  @Column('varchar', { length: 36, name: 'vrrp_auth_type' }) vrrpAuthType: string;
  @Column('varchar', { length: 36, name: 'vrrp_auth_pass' }) vrrpAuthPass: string;
  @Column('double precision', { name: 'advert_int' }) advertInt: number;
}

@Entity('listener_statistics')
export class ListenerStatisticsEntity {
  @PrimaryColumn('uuid', { name: 'listener_id' }) listenerId: string;
  @PrimaryColumn('uuid', { name: 'amphora_id' }) amphoraId: string;
  @Column('bigint', { name: 'bytes_in', transformer: bigintNumber }) bytesIn: number;
  @Column('bigint', { name: 'bytes_out', transformer: bigintNumber }) bytesOut: number;
  @Column('integer', { name: 'active_connections' }) activeConnections: number;
  @Column('bigint', { name: 'total_connections', transformer: bigintNumber }) totalConnections: number;
  @Column('bigint', { name: 'request_errors', transformer: bigintNumber }) requestErrors: number;
}
