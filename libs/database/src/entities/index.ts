import { AdditionalVipEntity, LoadBalancerEntity } from './load-balancer.entity';
import { ListenerEntity } from './listener.entity';
import { HealthMonitorEntity, MemberEntity, PoolEntity } from './pool.entity';
import { L7PolicyEntity, L7RuleEntity } from './l7.entity';
import { AvailabilityZoneEntity, AvailabilityZoneProfileEntity, FlavorEntity, FlavorProfileEntity, QuotaEntity } from './catalog.entity';
import { AmphoraEntity, AmphoraHealthEntity, ListenerStatisticsEntity, VrrpGroupEntity } from './amphora.entity';
import { FlowEntity, FlowStepEntity } from './flow.entity';
import { IpAllocationEntity, NetworkEntity, PortEntity, SubnetEntity } from './network.entity';

export * from './load-balancer.entity';
export * from './listener.entity';
export * from './pool.entity';
export * from './l7.entity';
export * from './catalog.entity';
export * from './amphora.entity';
export * from './flow.entity';
export * from './network.entity';

export const ALL_ENTITIES = [
  LoadBalancerEntity, AdditionalVipEntity, ListenerEntity, PoolEntity, MemberEntity, HealthMonitorEntity,
  L7PolicyEntity, L7RuleEntity, QuotaEntity, FlavorProfileEntity, FlavorEntity, AvailabilityZoneProfileEntity,
  AvailabilityZoneEntity, AmphoraEntity, AmphoraHealthEntity, VrrpGroupEntity, ListenerStatisticsEntity,
  FlowEntity, FlowStepEntity, NetworkEntity, SubnetEntity, PortEntity, IpAllocationEntity,
];
