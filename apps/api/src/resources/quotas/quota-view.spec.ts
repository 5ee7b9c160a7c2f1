import { QuotaEntity } from '../../../../../libs/database/src';
import { effectiveLimits, quotaBody, quotaChanges, storedLimits } from './quota-view';

describe('quota views and PUT changes (spec 9.8)', () => {
  const row = Object.assign(new QuotaEntity(), {
    projectId: 'p', loadBalancer: 10, listener: null, pool: 0, healthMonitor: -1, member: null, l7policy: 3, l7rule: null,
  });

  it('renders both spellings of the stored and the effective limits', () => {
    expect(quotaBody(storedLimits(row))).toEqual({
      load_balancer: 10, loadbalancer: 10, listener: null, pool: 0, health_monitor: -1, healthmonitor: -1, member: null, l7policy: 3, l7rule: null,
    });
    const defaults = (r: string) => (r === 'member' ? 7 : -1);
    expect(quotaBody(effectiveLimits(row, defaults))).toEqual({
      load_balancer: 10, loadbalancer: 10, listener: -1, pool: 0, health_monitor: -1, healthmonitor: -1, member: 7, l7policy: 3, l7rule: -1,
    });
    expect(effectiveLimits(null, () => 5)).toEqual({ load_balancer: 5, listener: 5, pool: 5, health_monitor: 5, member: 5, l7policy: 5, l7rule: 5 });
  });

  it('takes sent keys only, null resets, the one-word spelling wins', () => {
    const body = { load_balancer: 1, loadbalancer: 2, member: null, health_monitor: 4 };
    expect(quotaChanges(body, new Set(Object.keys(body)))).toEqual({ loadBalancer: 2, member: null, healthMonitor: 4 });
    expect(quotaChanges({}, new Set())).toEqual({});
  });
});
