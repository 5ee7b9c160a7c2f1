import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface SessionPersistence {
  type: string;
  cookie_name: string | null;
  persistence_timeout: number | null;
  persistence_granularity: string | null;
}

@Entity('pool')
export class PoolEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'load_balancer_id' }) loadBalancerId: string;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('varchar', { length: 16 }) protocol: string;
  @Column('varchar', { length: 32, name: 'lb_algorithm' }) lbAlgorithm: string;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('jsonb', { nullable: true, name: 'session_persistence' }) sessionPersistence: SessionPersistence | null;
  @Column('boolean', { default: false, name: 'tls_enabled' }) tlsEnabled: boolean;
  @Column('varchar', { length: 255, nullable: true, name: 'tls_container_ref' }) tlsContainerRef: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'ca_tls_container_ref' }) caTlsContainerRef: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'crl_container_ref' }) crlContainerRef: string | null;
  @Column('varchar', { length: 2048, nullable: true, name: 'tls_ciphers' }) tlsCiphers: string | null;
  @Column('text', { array: true, nullable: true, name: 'tls_versions' }) tlsVersions: string[] | null;
  @Column('text', { array: true, nullable: true, name: 'alpn_protocols' }) alpnProtocols: string[] | null;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}

@Entity('member')
export class MemberEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'pool_id' }) poolId: string;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 64, name: 'ip_address' }) ipAddress: string;
  @Column('integer', { name: 'protocol_port' }) protocolPort: number;
  @Column('integer') weight: number;
  @Column('boolean') backup: boolean;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 36, nullable: true, name: 'subnet_id' }) subnetId: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'monitor_address' }) monitorAddress: string | null;
  @Column('integer', { nullable: true, name: 'monitor_port' }) monitorPort: number | null;
  @Column('varchar', { length: 16, default: 'normal', name: 'vnic_type' }) vnicType: string;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}

@Entity('health_monitor')
export class HealthMonitorEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'pool_id', unique: true }) poolId: string;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 36 }) type: string;
  @Column('integer') delay: number;
  @Column('integer') timeout: number;
  @Column('integer', { name: 'rise_threshold' }) riseThreshold: number;
  @Column('integer', { name: 'fall_threshold' }) fallThreshold: number;
  @Column('varchar', { length: 16, nullable: true, name: 'http_method' }) httpMethod: string | null;
  @Column('varchar', { length: 2048, nullable: true, name: 'url_path' }) urlPath: string | null;
  @Column('varchar', { length: 64, nullable: true, name: 'expected_codes' }) expectedCodes: string | null;
  @Column('double precision', { nullable: true, name: 'http_version' }) httpVersion: number | null;
  @Column('varchar', { length: 255, nullable: true, name: 'domain_name' }) domainName: string | null;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}
