/** Controllers and services of the child resources, registered by the API module. */
import { Type } from '@nestjs/common';
import { HealthMonitorController } from './health-monitors/health-monitor.controller';
import { HealthMonitorService } from './health-monitors/health-monitor.service';
import { ListenerController } from './listeners/listener.controller';
import { ListenerService } from './listeners/listener.service';
import { MemberController } from './members/member.controller';
import { MemberService } from './members/member.service';
import { PoolController } from './pools/pool.controller';
import { PoolService } from './pools/pool.service';
import { L7PolicyController } from './l7policies/l7policy.controller';
import { L7PolicyService } from './l7policies/l7policy.service';
import { L7RuleController } from './l7rules/l7rule.controller';
import { L7RuleService } from './l7rules/l7rule.service';
import { QuotaController } from './quotas/quota.controller';
import { QuotaService } from './quotas/quota.service';
import { AmphoraController } from './amphorae/amphora.controller';
import { AmphoraService } from './amphorae/amphora.service';
import { ProviderController } from './providers/provider.controller';
import { ProviderCatalog } from './providers/provider-catalog';
import { FlavorController, FlavorProfileController } from './flavors/flavor.controller';
import { FlavorService } from './flavors/flavor.service';
import { FlavorProfileService } from './flavors/flavor-profile.service';
import { LoadBalancerPlacement } from './flavors/load-balancer-placement';
import { AvailabilityZoneController, AvailabilityZoneProfileController } from './availability-zones/availability-zone.controller';
import { AvailabilityZoneService } from './availability-zones/availability-zone.service';
import { AvailabilityZoneProfileService } from './availability-zones/availability-zone-profile.service';
import { LocalCertificateController } from './certificates/local-certificate.controller';
import { TlsReferenceValidator } from './certificates/tls-reference.validator';

export const RESOURCE_CONTROLLERS: Type[] = [ListenerController, PoolController, MemberController, HealthMonitorController];
export const RESOURCE_SERVICES: Type[] = [ListenerService, PoolService, MemberService, HealthMonitorService];

// L7 policies and rules, quotas, the amphora admin API
RESOURCE_CONTROLLERS.push(L7PolicyController, L7RuleController, QuotaController, AmphoraController);
RESOURCE_SERVICES.push(L7PolicyService, L7RuleService, QuotaService, AmphoraService);

// Providers and capabilities, flavors, availability zones and their profiles, TLS references and the local certificate store
RESOURCE_CONTROLLERS.push(
  ProviderController, FlavorController, FlavorProfileController, AvailabilityZoneController, AvailabilityZoneProfileController,
  LocalCertificateController,
);
RESOURCE_SERVICES.push(
  ProviderCatalog, FlavorService, FlavorProfileService, AvailabilityZoneService, AvailabilityZoneProfileService,
  LoadBalancerPlacement, TlsReferenceValidator,
);
