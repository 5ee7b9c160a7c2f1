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

export const RESOURCE_CONTROLLERS: Type[] = [ListenerController, PoolController, MemberController, HealthMonitorController];
export const RESOURCE_SERVICES: Type[] = [ListenerService, PoolService, MemberService, HealthMonitorService];

// L7 policies and rules, quotas, the amphora admin API
RESOURCE_CONTROLLERS.push(L7PolicyController, L7RuleController, QuotaController, AmphoraController);
RESOURCE_SERVICES.push(L7PolicyService, L7RuleService, QuotaService, AmphoraService);
