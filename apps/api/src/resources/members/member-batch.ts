import { MemberEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { MemberCreateDto } from '../dto/dtos';

export interface BatchItem {
  value: MemberCreateDto;
  present: Set<string>;
}

export interface BatchPlan {
  create: BatchItem[];
  update: Array<{ member: MemberEntity; item: BatchItem }>;
  delete: MemberEntity[];
}

const pairKey = (address: string, port: number) => `${address}|${port}`;

/** Rejects a request that names the same (address, protocol_port) twice (spec 9.4.2). */
export function checkBatchUnique(items: BatchItem[]): void {
  const seen = new Set<string>();
  for (const { value } of items) {
    const key = pairKey(value.address, value.protocol_port);
    if (seen.has(key)) throw ApiFault.validation('Member must be updated only once in the same request.');
    seen.add(key);
  }
}

/**
 * The declarative batch update (spec 9.4.2): requested members are matched to existing ones by
 * (address, protocol_port); matches are updated, the rest created, and existing members missing from
 * the request are deleted unless the update is additive only.
 */
export function planBatch(existing: MemberEntity[], items: BatchItem[], additiveOnly: boolean): BatchPlan {
  checkBatchUnique(items);
  const byPair = new Map(existing.map((m) => [pairKey(m.ipAddress, m.protocolPort), m]));
  const plan: BatchPlan = { create: [], update: [], delete: [] };
  const matched = new Set<string>();
  for (const item of items) {
    const member = byPair.get(pairKey(item.value.address, item.value.protocol_port));
    if (member) {
      plan.update.push({ member, item });
      matched.add(member.id);
    } else {
      plan.create.push(item);
    }
  }
  if (!additiveOnly) plan.delete = existing.filter((m) => !matched.has(m.id) && m.provisioningStatus !== 'PENDING_DELETE');
  return plan;
}

export function planIsEmpty(plan: BatchPlan): boolean {
  return !plan.create.length && !plan.update.length && !plan.delete.length;
}
