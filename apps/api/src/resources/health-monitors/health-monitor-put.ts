import { HealthMonitorEntity } from '../../../../../libs/database/src';
import { KEEP_ON_NULL, PutTable } from '../pools/put-semantics';

/** Attributes whose explicit null is refused on PUT (`None is not a valid option for delay`, spec 9.5.1). */
export const HM_NOT_NULLABLE = ['delay', 'timeout', 'max_retries'] as const;

/** Health monitor PUT: updatable attributes and what an explicit null stores (spec 9.5.1). */
export const HEALTH_MONITOR_PUT: PutTable<HealthMonitorEntity> = {
  name: { prop: 'name', onNull: null },
  delay: { prop: 'delay', onNull: KEEP_ON_NULL },
  timeout: { prop: 'timeout', onNull: KEEP_ON_NULL },
  max_retries: { prop: 'riseThreshold', onNull: KEEP_ON_NULL },
  max_retries_down: { prop: 'fallThreshold', onNull: 3 },
  http_method: { prop: 'httpMethod', onNull: 'GET' },
  url_path: { prop: 'urlPath', onNull: '/' },
  expected_codes: { prop: 'expectedCodes', onNull: '200' },
  http_version: { prop: 'httpVersion', onNull: null },
  domain_name: { prop: 'domainName', onNull: null },
  admin_state_up: { prop: 'enabled', onNull: false },
  tags: { prop: 'tags', onNull: KEEP_ON_NULL },
};
