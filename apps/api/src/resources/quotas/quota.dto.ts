import { IntField } from '../../validation/fields';

/** A limit: -1 unlimited, 0 none, null the configured default (spec 9.8.1). */
const Limit = () => IntField({ min: -1, max: 2000000000 });

/** `{"quota": {...}}` of a PUT: any subset, both spellings of the two-word resources. */
export class QuotaDto {
  @Limit() load_balancer?: number | null;
  @Limit() loadbalancer?: number | null;
  @Limit() listener?: number | null;
  @Limit() pool?: number | null;
  @Limit() health_monitor?: number | null;
  @Limit() healthmonitor?: number | null;
  @Limit() member?: number | null;
  @Limit() l7policy?: number | null;
  @Limit() l7rule?: number | null;
}
