import { EntityManager } from 'typeorm';

/** What the API asks a provider to carry out; the kinds mirror upstream's provider driver casts. */
export interface ProviderChange {
  kind: string;
  /** null only for amphora admin actions on a spare amphora (no load balancer). */
  loadBalancerId: string | null;
  targetId?: string;
  payload?: Record<string, unknown>;
  /** Failovers go ahead of new builds (upstream's build priority). */
  priority?: number;
}

/** Runs after the API's transaction has committed. */
export type AfterCommit = () => Promise<void>;

export interface ProviderDriver {
  readonly name: string;
  /** Called inside the API transaction, so the provider's record commits (or rolls back) with the change. */
  submit(em: EntityManager, change: ProviderChange): Promise<AfterCommit>;
}

export const PROVIDER_DRIVERS = Symbol('PROVIDER_DRIVERS');
