import { DataSource, EntityManager } from 'typeorm';
import { settleLoadBalancerTree } from '../../../../libs/database/src';
import { AfterCommit, ProviderChange, ProviderDriver } from './provider-driver';

/** Applies every change at once after commit: objects become ACTIVE (or go away) with no data plane. For API and scale tests. */
export class NoopProvider implements ProviderDriver {
  readonly name = 'noop_driver';

  constructor(private readonly dataSource: DataSource) {}

  async submit(_em: EntityManager, change: ProviderChange): Promise<AfterCommit> {
    return async () => {
      const lbId = change.loadBalancerId;
      if (lbId) await this.dataSource.transaction((em) => settleLoadBalancerTree(em, lbId));
    };
  }
}
