import { MemberEntity } from '../../../../../libs/database/src';
import { KEEP_ON_NULL, PutTable } from '../pools/put-semantics';

/**
 * Member PUT (spec 9.4.1): updatable attributes and what an explicit null stores. Also used for the
 * matched members of a batch update, where create-only keys (address, protocol_port, subnet_id,
 * request_sriov) identify the member or are ignored.
 */
export const MEMBER_PUT: PutTable<MemberEntity> = {
  name: { prop: 'name', onNull: null },
  admin_state_up: { prop: 'enabled', onNull: false },
  weight: { prop: 'weight', onNull: 1 },
  backup: { prop: 'backup', onNull: false },
  monitor_address: { prop: 'monitorAddress', onNull: null },
  monitor_port: { prop: 'monitorPort', onNull: null },
  tags: { prop: 'tags', onNull: KEEP_ON_NULL },
};
