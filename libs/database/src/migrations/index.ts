import { InitialSchema1763700000000 } from './1763700000000-initial-schema';
import { HealthManagerFailover1763880000000 } from './1763880000000-health-manager-failover';
import { FlowOwner1763800000000 } from './1763800000000-flow-owner';
import { LocalCertificates1763850000001 } from './1763850000001-local-certificates';

export const ALL_MIGRATIONS: Function[] = [InitialSchema1763700000000, HealthManagerFailover1763880000000, FlowOwner1763800000000, LocalCertificates1763850000001];
