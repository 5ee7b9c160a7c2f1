import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('quotas')
export class QuotaEntity {
  @PrimaryColumn('varchar', { length: 36, name: 'project_id' }) projectId: string;
  @Column('integer', { nullable: true, name: 'load_balancer' }) loadBalancer: number | null;
  @Column('integer', { nullable: true }) listener: number | null;
  @Column('integer', { nullable: true }) pool: number | null;
  @Column('integer', { nullable: true, name: 'health_monitor' }) healthMonitor: number | null;
  @Column('integer', { nullable: true }) member: number | null;
  @Column('integer', { nullable: true }) l7policy: number | null;
  @Column('integer', { nullable: true }) l7rule: number | null;
}

@Entity('flavor_profile')
export class FlavorProfileEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 255, name: 'provider_name' }) providerName: string;
  @Column('varchar', { length: 4096, name: 'flavor_data' }) flavorData: string;
}

@Entity('flavor')
export class FlavorEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255, unique: true }) name: string;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('boolean') enabled: boolean;
  @Column('uuid', { name: 'flavor_profile_id' }) flavorProfileId: string;
}

@Entity('availability_zone_profile')
export class AvailabilityZoneProfileEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 255, name: 'provider_name' }) providerName: string;
  @Column('varchar', { length: 4096, name: 'availability_zone_data' }) availabilityZoneData: string;
}

@Entity('availability_zone')
export class AvailabilityZoneEntity {
  @PrimaryColumn('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 255, nullable: true }) description: string | null;
  @Column('boolean') enabled: boolean;
  @Column('uuid', { name: 'availability_zone_profile_id' }) availabilityZoneProfileId: string;
}
