import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('l7policy')
export class L7PolicyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'listener_id' }) listenerId: string;
  @Column('varchar', { length: 255, nullable: true }) name: string | null;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('varchar', { length: 36 }) action: string;
  @Column('uuid', { nullable: true, name: 'redirect_pool_id' }) redirectPoolId: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'redirect_url' }) redirectUrl: string | null;
  @Column('varchar', { length: 255, nullable: true, name: 'redirect_prefix' }) redirectPrefix: string | null;
  @Column('integer', { nullable: true, name: 'redirect_http_code' }) redirectHttpCode: number | null;
  @Column('integer') position: number;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}

@Entity('l7rule')
export class L7RuleEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 36, nullable: true, name: 'project_id' }) projectId: string | null;
  @Column('uuid', { name: 'l7policy_id' }) l7policyId: string;
  @Column('varchar', { length: 36 }) type: string;
  @Column('varchar', { length: 36, name: 'compare_type' }) compareType: string;
  @Column('varchar', { length: 255, nullable: true }) key: string | null;
  @Column('varchar', { length: 255 }) value: string;
  @Column('boolean') invert: boolean;
  @Column('boolean') enabled: boolean;
  @Column('varchar', { length: 16, name: 'provisioning_status' }) provisioningStatus: string;
  @Column('varchar', { length: 16, name: 'operating_status' }) operatingStatus: string;
  @Column('text', { array: true, default: () => "'{}'" }) tags: string[];
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
}
