import { L7PolicyEntity } from '../../../../../libs/database/src';
import { KEEP_ON_NULL, PutTable } from '../pools/put-semantics';

/**
 * L7 policy PUT: what an explicit null stores. The action and redirect fields are written from the
 * normalised merged state as a whole (spec 9.6.2), `position` by the re-ordering, so neither is here.
 */
export const L7POLICY_PUT: PutTable<L7PolicyEntity> = {
  name: { prop: 'name', onNull: null },
  description: { prop: 'description', onNull: null },
  admin_state_up: { prop: 'enabled', onNull: false },
  tags: { prop: 'tags', onNull: KEEP_ON_NULL },
};

/** Action and redirect attributes: merged like the table above, then normalised together. */
export const L7POLICY_ACTION_PUT: PutTable<L7PolicyEntity> = {
  action: { prop: 'action', onNull: null },
  redirect_pool_id: { prop: 'redirectPoolId', onNull: null },
  redirect_url: { prop: 'redirectUrl', onNull: null },
  redirect_prefix: { prop: 'redirectPrefix', onNull: null },
  redirect_http_code: { prop: 'redirectHttpCode', onNull: null },
};
