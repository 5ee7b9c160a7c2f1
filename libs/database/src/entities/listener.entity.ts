import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('listener')
export class ListenerEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'load_balancer_id' }) loadBalancerId: string;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('varchar', { length: 16 }) protocol: string;
  @Column('integer', { name: 'protocol_port' }) protocolPort: number;
  @Column('integer', { name: 'connection_limit' }) connectionLimit: number;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('uuid', { nullable: true, name: 'default_pool_id' }) defaultPoolId: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'default_tls_container_ref' }) defaultTlsContainerRef: string | null;
  @Column('text', { array: true, default: () => "'{}'", name: 'sni_container_refs' }) sniContainerRefs: string[];
  @Column('varchar', { length: 255, nullable: true, name: 'client_ca_tls_container_ref' }) clientCaTlsContainerRef: string | null;
  @Column('varchar', { length: 16, default: 'NONE', name: 'client_authentication' }) clientAuthentication: string;
  @Column('varchar', { length: 255, nullable: true, name: 'client_crl_container_ref' }) clientCrlContainerRef: string | null;
  @Column('jsonb', { default: () => "'{}'", name: 'insert_headers' }) insertHeaders: Record<string, string>;
  @Column('integer', { name: 'timeout_client_data' }) timeoutClientData: number;
  @Column('integer', { name: 'timeout_member_connect' }) timeoutMemberConnect: number;
  @Column('integer', { name: 'timeout_member_data' }) timeoutMemberData: number;
  @Column('integer', { name: 'timeout_tcp_inspect' }) timeoutTcpInspect: number;
  @Column('text', { array: true, nullable: true, name: 'allowed_cidrs' }) allowedCidrs: string[] | null;
  @Column('varchar', { length: 2048, nullable: true, name: 'tls_ciphers' }) tlsCiphers: string | null;
  @Column('text', { array: true, nullable: true, name: 'tls_versions' }) tlsVersions: string[] | null;
  @Column('text', { array: true, nullable: true, name: 'alpn_protocols' }) alpnProtocols: string[] | null;
  @Column('integer', { nullable: true, name: 'hsts_max_age' }) hstsMaxAge: number | null;
  @Column('boolean', { default: false, name: 'hsts_include_subdomains' }) hstsIncludeSubdomains: boolean;
  @Column('boolean', { default: false, name: 'hsts_preload' }) hstsPreload: boolean;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}
