import { L7RuleEntity } from '../../../../../libs/database/src';
import { KEEP_ON_NULL, PutTable } from '../pools/put-semantics';

/** Attributes whose explicit null is refused on PUT (`None is not a valid option for type`). */
export const L7RULE_NOT_NULLABLE = ['type', 'compare_type'] as const;

/** L7 rule PUT: updatable attributes and what an explicit null stores (spec 9.7.1). */
export const L7RULE_PUT: PutTable<L7RuleEntity> = {
  type: { prop: 'type', onNull: KEEP_ON_NULL },
  compare_type: { prop: 'compareType', onNull: KEEP_ON_NULL },
  key: { prop: 'key', onNull: null },
  // a null value fails the content check ("requires a value")
  value: { prop: 'value', onNull: null },
  invert: { prop: 'invert', onNull: false },
  admin_state_up: { prop: 'enabled', onNull: false },
  tags: { prop: 'tags', onNull: KEEP_ON_NULL },
};
