import { DataSource } from 'typeorm';
import { JsonLogger } from '../../libs/common/src';
import { FlowEntity, FlowStepEntity, dataSourceOptions } from '../../libs/database/src';
import { BullmqFlowDispatcher } from '../../apps/api/src/providers/bullmq-dispatcher';
import { FlowRegistry } from '../../apps/worker/src/flows/flow-registry';
import { FlowRunner } from '../../apps/worker/src/flows/flow-runner';
import { Task } from '../../apps/worker/src/flows/flow-types';
import { markTreeActive } from '../../apps/worker/src/tasks/database.tasks';
import { WorkerService } from '../../apps/worker/src/worker.service';
import { TestApi, startTestApi } from '../support/api-harness';
import { REDIS_URL } from '../support/services';

// A Redis database of its own, so no other worker on this machine picks these jobs up.
const redisUrl = (() => {
  const u = new URL(REDIS_URL);
  u.pathname = '/7';
  return u.toString();
})();

const quietLogger = new JsonLogger('worker-test', 'error');
const SUBNET = '0b7e4e0c-58b2-4d2c-8ad3-3b5bd4b6ad6d';

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('worker: durable flows from the amphora provider', () => {
  let t: TestApi;
  let ds: DataSource;
  let dispatcher: BullmqFlowDispatcher;

  beforeAll(async () => {
    dispatcher = new BullmqFlowDispatcher(redisUrl);
    t = await startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' }, dispatcher);
    ds = new DataSource(dataSourceOptions(t.dbUrl));
    await ds.initialize();
  });

  afterAll(async () => {
    await dispatcher.close();
    await ds.destroy();
    await t.close();
  });

  it('writes the flow record with the change, and a worker takes the load balancer to ACTIVE', async () => {
    const created = await t.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: 'w1', vip_subnet_id: SUBNET } });
    expect(created.status).toBe(201);
    const id = created.body.loadbalancer.id;
    const flows = await ds.manager.findBy(FlowEntity, { loadBalancerId: id });
    expect(flows.map((f) => f.kind)).toEqual(['loadbalancer.create']);
    expect((await t.call('GET', `/v2/lbaas/loadbalancers/${id}`)).body.loadbalancer.provisioning_status).toBe('PENDING_CREATE');

    const worker = new WorkerService(ds, redisUrl, FlowRegistry.noopDataPlane(), quietLogger, { concurrency: 2, reconcileIntervalMs: 60000 });
    await worker.start();
    try {
      const status = await waitFor(async () => {
        const s = (await t.call('GET', `/v2/lbaas/loadbalancers/${id}`)).body.loadbalancer.provisioning_status;
        return s === 'ACTIVE' ? s : undefined;
      });
      expect(status).toBe('ACTIVE');
      const flow = await ds.manager.findOneByOrFail(FlowEntity, { id: flows[0].id });
      expect(flow.status).toBe('SUCCEEDED');
      const steps = await ds.manager.findBy(FlowStepEntity, { flowId: flow.id });
      expect(steps.map((s) => [s.name, s.status])).toEqual([['database.mark-tree-active', 'DONE']]);
    } finally {
      await worker.stop();
    }
  });

  it('the reconciler dispatches a committed flow whose dispatch was lost', async () => {
    const lost = await startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' }, { dispatch: async () => { throw new Error('redis is down'); } });
    const lostDs = new DataSource(dataSourceOptions(lost.dbUrl));
    await lostDs.initialize();
    try {
      const created = await lost.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { vip_subnet_id: SUBNET } });
      expect(created.status).toBe(201);
      const id = created.body.loadbalancer.id;
      await lostDs.query(`UPDATE flow SET created_at = created_at - interval '1 minute'`);
      const worker = new WorkerService(lostDs, redisUrl, FlowRegistry.noopDataPlane(), quietLogger, { concurrency: 1, reconcileIntervalMs: 60000 });
      await worker.start();
      try {
        await waitFor(async () => ((await lost.call('GET', `/v2/lbaas/loadbalancers/${id}`)).body.loadbalancer.provisioning_status === 'ACTIVE' ? true : undefined));
        const [flow] = await lostDs.manager.findBy(FlowEntity, { loadBalancerId: id });
        expect(flow.status).toBe('SUCCEEDED');
      } finally {
        await worker.stop();
      }
    } finally {
      await lostDs.destroy();
      await lost.close();
    }
  });

  it('resumes at the first unfinished step and reverts in reverse order on failure, ending in ERROR, not PENDING', async () => {
    const created = await t.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { vip_subnet_id: SUBNET } });
    const id = created.body.loadbalancer.id;
    const [flow] = await ds.manager.findBy(FlowEntity, { loadBalancerId: id });
    const calls: string[] = [];
    const step = (name: string, fail = false): Task => ({
      name,
      execute: async () => {
        calls.push(`exec:${name}`);
        if (fail) throw new Error(`${name} refused`);
        return { by: name };
      },
      revert: async () => {
        calls.push(`revert:${name}`);
      },
    });
    // a previous worker finished step 0 before it died
    await ds.query(`INSERT INTO flow_step (flow_id, index, name, status, result, started_at) VALUES ($1, 0, 'a', 'DONE', '{"by":"a"}', now())`, [flow.id]);
    const registry = new FlowRegistry();
    registry.register('loadbalancer.create', () => [step('a'), step('b'), step('c', true), markTreeActive]);
    const outcome = await new FlowRunner(ds, registry, quietLogger).run(flow.id);
    expect(outcome).toBe('FAILED');
    expect(calls).toEqual(['exec:b', 'exec:c', 'revert:c', 'revert:b', 'revert:a']);
    const lb = (await t.call('GET', `/v2/lbaas/loadbalancers/${id}`)).body.loadbalancer;
    expect(lb.provisioning_status).toBe('ERROR');
    const record = await ds.manager.findOneByOrFail(FlowEntity, { id: flow.id });
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('c refused');
  });
});
