import { AmphoraEntity, LoadBalancerEntity, VrrpGroupEntity } from '../../../../libs/database/src';
import { collectTlsMaterial } from '../../../../libs/cert-manager/src';
import { renderAgentConfig } from '../../../../libs/drivers/src/compute/agent-config';
import { HaproxyRenderOptions, renderHaproxyConfig, renderKeepalivedVrrpConfig, RenderLoadBalancer } from '../../../../libs/renderers/src';
import { DataPlane } from '../data-plane/data-plane';
import { loadRenderModel } from '../data-plane/render-model';
import { Task, TaskContext } from '../flows/flow-types';
import { AmphoraSelector } from './compute.tasks';

async function amphorae(dp: DataPlane, ctx: TaskContext, select: AmphoraSelector | null): Promise<AmphoraEntity[]> {
  if (!select) return dp.liveAmphorae(dp.ds.manager, ctx.flow.loadBalancerId!);
  const ids = select(ctx);
  return ids.length ? dp.ds.manager.findByIds(AmphoraEntity, ids) : [];
}

/** Connectivity wait: version discovery and `GET /1.0/info`, with the build retries. */
export function waitForAgents(dp: DataPlane, select: AmphoraSelector): Task {
  return {
    name: 'amphora.wait-for-agents',
    execute: async (ctx) => {
      const a = dp.config.worker.amphora;
      const started = Date.now();
      const info = await Promise.all(
        (await amphorae(dp, ctx, select)).map(async (amp) => ({
          amphora_id: amp.id,
          ...(await dp.client.waitForAgent(dp.target(amp), { maxRetries: a.connectionMaxRetries, retryIntervalMs: a.connectionRetryIntervalMs })),
        })),
      );
      ctx.log('amphora agents answered', { ms: Date.now() - started, count: info.length });
      return { info };
    },
  };
}

/** `POST /1.0/plug/vip/{vip}` on each amphora (409: already plugged). */
export function plugVip(dp: DataPlane, select: AmphoraSelector): Task {
  return {
    name: 'amphora.plug-vip',
    execute: async (ctx) => {
      const lb = await dp.ds.manager.findOneByOrFail(LoadBalancerEntity, { id: ctx.flow.loadBalancerId! });
      const subnet = await dp.subnet(dp.ds.manager, lb.vipSubnetId);
      for (const amp of await amphorae(dp, ctx, select)) {
        const [port] = await dp.ds.query(`SELECT mac_address FROM port WHERE id = $1`, [amp.vrrpPortId]);
        await dp.client.plugVip(dp.target(amp), lb.vipAddress!, {
          subnet_cidr: subnet.cidr,
          gateway: subnet.gatewayIp,
          mac_address: port.mac_address,
          vrrp_ip: amp.vrrpIp,
          mtu: 1500,
          host_routes: [],
          additional_vips: [],
          is_sriov: false,
        });
      }
      return null;
    },
  };
}

/** VRRP: interface lookup, keepalived configuration upload and start on each amphora (ACTIVE_STANDBY). */
export function configureVrrp(dp: DataPlane, select: AmphoraSelector | null = null, tolerate?: AmphoraSelector): Task {
  return {
    name: 'amphora.vrrp-configure',
    execute: async (ctx) => {
      const lb = await dp.ds.manager.findOneByOrFail(LoadBalancerEntity, { id: ctx.flow.loadBalancerId! });
      if (lb.topology !== 'ACTIVE_STANDBY') return { skipped: 'SINGLE' };
      const group = await dp.ds.manager.findOneByOrFail(VrrpGroupEntity, { loadBalancerId: lb.id });
      const subnet = await dp.subnet(dp.ds.manager, lb.vipSubnetId);
      const live = await dp.liveAmphorae(dp.ds.manager, lb.id);
      const targets = select ? await amphorae(dp, ctx, select) : live;
      const peers = live.filter((a) => a.vrrpIp).map((a) => ({ amphora_id: a.id, vrrp_ip: a.vrrpIp! }));
      const { model } = await loadRenderModel(dp.ds.manager, lb.id);
      const tolerated = new Set(tolerate ? tolerate(ctx) : []);
      if (peers.length < 2) {
        // A lone amphora (its peer is being replaced) keeps serving; VRRP is configured when the pair is whole again.
        ctx.log('VRRP not configured: fewer than two amphorae with a VRRP address', { amphorae: peers.map((p) => p.amphora_id) });
        return { skipped: 'no peer' };
      }
      const configured: string[] = [];
      await Promise.all(
        targets.map(async (amp) => {
          try {
            await configureOne(amp);
            configured.push(amp.id);
          } catch (err) {
            if (!tolerated.has(amp.id)) throw err;
            ctx.log('VRRP configuration skipped on an unreachable peer', { amphora_id: amp.id, error: String(err) });
          }
        }),
      );
      return { amphorae: configured };
      async function configureOne(amp: AmphoraEntity): Promise<void> {
        const target = dp.target(amp);
        const iface = await dp.client.interfaceFor(target, amp.vrrpIp!);
        await dp.ds.manager.update(AmphoraEntity, { id: amp.id }, { vrrpInterface: iface });
        const base = dp.agentPaths(amp.id, amp.lbNetworkIp!).basePath;
        const conf = renderKeepalivedVrrpConfig(model, {
          amphora: { id: amp.id, vrrp_ip: amp.vrrpIp!, vrrp_interface: iface, role: amp.role === 'BACKUP' ? 'BACKUP' : 'MASTER', vrrp_priority: amp.vrrpPriority ?? undefined },
          peers,
          vrrpGroup: { name: group.vrrpGroupName, auth_type: 'PASS', auth_pass: group.vrrpAuthPass, advert_int: group.advertInt },
          vipNetworks: [{ ip_address: lb.vipAddress!, subnet_cidr: subnet.cidr, gateway_ip: subnet.gatewayIp, host_routes: [] }],
          checkScriptPath: `${base}/vrrp/check_script.sh`,
          checkInterval: dp.config.worker.vrrpCheckInterval,
          checkFall: dp.config.worker.vrrpFailCount,
          checkRise: dp.config.worker.vrrpSuccessCount,
        });
        await dp.client.uploadVrrpConfig(target, conf);
        await dp.client.vrrpAction(target, 'start');
      }
    },
  };
}

/**
 * Upstream's ListenersUpdate: render the load balancer's whole HAProxy configuration for each live
 * amphora, upload it, reload (a reload of a stopped haproxy starts it). With no listener left,
 * `DELETE /1.0/listeners/{lb}` stops haproxy. `tolerate` lists amphorae whose failure is only logged
 * (the surviving peer during a failover).
 */
export function updateListeners(dp: DataPlane, opts: { tolerate?: AmphoraSelector; name?: string } = {}): Task {
  return {
    name: opts.name ?? 'amphora.update-listeners',
    execute: async (ctx) => {
      const { lb, model } = await loadRenderModel(dp.ds.manager, ctx.flow.loadBalancerId!);
      const live = await dp.liveAmphorae(dp.ds.manager, lb.id);
      const tolerate = new Set(opts.tolerate ? opts.tolerate(ctx) : []);
      const haproxyListeners = model.listeners.filter(
        (l) => l.provisioning_status !== 'PENDING_DELETE' && l.provisioning_status !== 'DELETED' && !['UDP', 'SCTP'].includes(l.protocol),
      );
      const topology = lb.topology === 'ACTIVE_STANDBY' ? 'ACTIVE_STANDBY' : 'SINGLE';
      const peers = live.filter((a) => a.vrrpIp).map((a) => ({ amphora_id: a.id, vrrp_ip: a.vrrpIp! }));
      const pushed: string[] = [];
      await Promise.all(
        live.map(async (amp) => {
          try {
            await pushConfig(dp, amp, lb.id, model, haproxyListeners.length, topology, peers);
            pushed.push(amp.id);
          } catch (err) {
            if (!tolerate.has(amp.id)) throw err;
            ctx.log('listener update skipped on an unreachable peer', { amphora_id: amp.id, error: String(err) });
          }
        }),
      );
      return { pushed, listeners: haproxyListeners.length };
    },
  };
}

/** Certificates of the load balancer's TLS listeners and pools (from the render model), uploaded to one amphora before its config. */
async function uploadTlsMaterial(
  dp: DataPlane,
  amp: AmphoraEntity,
  model: RenderLoadBalancer,
  certDir: string,
): Promise<Pick<HaproxyRenderOptions, 'listenerCertificates' | 'poolCertificates'>> {
  const lbId = model.id;
  const live = <T extends { provisioning_status?: string }>(o: T) => o.provisioning_status !== 'PENDING_DELETE' && o.provisioning_status !== 'DELETED';
  const tlsListeners = model.listeners
    .filter((l) => live(l) && (l.default_tls_container_ref || l.client_ca_tls_container_ref))
    .map((l) => ({
      id: l.id,
      defaultTlsContainerRef: l.default_tls_container_ref ?? null,
      sniContainerRefs: l.sni_container_refs ?? null,
      clientCaTlsContainerRef: l.client_ca_tls_container_ref ?? null,
      clientCrlContainerRef: l.client_crl_container_ref ?? null,
    }));
  const tlsPools = (model.pools ?? [])
    .filter((p) => live(p) && (p.tls_container_ref || p.ca_tls_container_ref))
    .map((p) => ({ id: p.id, tlsContainerRef: p.tls_container_ref ?? null, caTlsContainerRef: p.ca_tls_container_ref ?? null, crlContainerRef: p.crl_container_ref ?? null }));
  if (!tlsListeners.length && !tlsPools.length) return {};
  const manager = dp.certificates();
  if (!manager) throw new Error('TLS references need a certificate manager ([certificates] cert_manager is noop_cert_manager)');
  const material = await collectTlsMaterial(manager, { loadBalancerId: lbId, listeners: tlsListeners, pools: tlsPools }, { certDir });
  if (material.failures.length) {
    throw new Error(`certificates could not be fetched: ${material.failures.map((f) => `${f.kind} ${f.id}: ${f.ref}: ${f.error}`).join('; ')}`);
  }
  const target = dp.target(amp);
  for (const file of material.files) await dp.client.uploadCertificate(target, lbId, file.name, file.content);
  const dir = `${certDir}/${lbId}`;
  const at = (f: { name: string } | null) => (f ? `${dir}/${f.name}` : undefined);
  return {
    listenerCertificates: Object.fromEntries(
      Object.entries(material.listeners).map(([id, m]) => [id, { crtList: at(m.crtList), clientCa: at(m.clientCa), clientCrl: at(m.clientCrl) }]),
    ),
    poolCertificates: Object.fromEntries(Object.entries(material.pools).map(([id, m]) => [id, { clientCert: at(m.clientCertificate), ca: at(m.ca), crl: at(m.crl) }])),
  };
}

async function pushConfig(
  dp: DataPlane,
  amp: AmphoraEntity,
  lbId: string,
  model: RenderLoadBalancer,
  listenerCount: number,
  topology: 'SINGLE' | 'ACTIVE_STANDBY',
  peers: Array<{ amphora_id: string; vrrp_ip: string }>,
): Promise<void> {
  const target = dp.target(amp);
  if (listenerCount === 0) {
    await dp.client.deleteListeners(target, lbId);
    return;
  }
  const version = await dp.haproxyVersion(target);
  const paths = dp.agentPaths(amp.id, amp.lbNetworkIp!);
  const tls = await uploadTlsMaterial(dp, amp, model, paths.certDir);
  const config = renderHaproxyConfig(model, {
    ...tls,
    amphoraId: amp.id,
    topology,
    peers: topology === 'ACTIVE_STANDBY' ? peers : undefined,
    haproxyVersion: version,
    basePath: paths.basePath,
    certDir: paths.certDir,
    timeouts: {
      clientData: dp.config.haproxy.timeoutClientData,
      memberConnect: dp.config.haproxy.timeoutMemberConnect,
      memberData: dp.config.haproxy.timeoutMemberData,
      tcpInspect: dp.config.haproxy.timeoutTcpInspect,
    },
    onWarning: (w) => dp.logger.warn({ msg: 'render warning', amphora_id: amp.id, warning: w }),
  });
  await dp.client.uploadHaproxyConfig(target, lbId, config);
  await dp.client.loadBalancerAction(target, lbId, 'reload');
}

/** `PUT /1.0/config` with a freshly rendered agent configuration (API `PUT /v2/octavia/amphorae/{id}/config`). */
export function updateAgentConfig(dp: DataPlane): Task {
  return {
    name: 'amphora.update-config',
    execute: async (ctx) => {
      const amp = await dp.ds.manager.findOneByOrFail(AmphoraEntity, { id: ctx.flow.targetId! });
      const lb = amp.loadBalancerId ? await dp.ds.manager.findOneBy(LoadBalancerEntity, { id: amp.loadBalancerId }) : null;
      const topology = lb?.topology === 'ACTIVE_STANDBY' ? 'ACTIVE_STANDBY' : 'SINGLE';
      const settings = dp.agentSettings(amp.id, topology, '');
      await dp.client.updateAgentConfig(dp.target(amp), renderAgentConfig(settings, dp.agentPaths(amp.id, amp.lbNetworkIp!)));
      return null;
    },
  };
}

/** Certificate rotation: a new server certificate, `PUT /1.0/certificate`, the new expiry stored. */
export function rotateCertificate(dp: DataPlane): Task {
  return {
    name: 'amphora.rotate-certificate',
    execute: async (ctx) => {
      const amp = await dp.ds.manager.findOneByOrFail(AmphoraEntity, { id: ctx.flow.targetId! });
      await dp.ds.manager.update(AmphoraEntity, { id: amp.id }, { certBusy: true });
      const cert = dp.pki.issueAmphoraCertificate(amp.id);
      await dp.client.rotateServerCertificate(dp.target(amp), cert.bundlePem);
      await dp.ds.manager.update(AmphoraEntity, { id: amp.id }, { certExpiration: cert.notAfter, certBusy: false, updatedAt: new Date() });
      return { expires: cert.notAfter.toISOString() };
    },
    revert: async (ctx) => {
      await dp.ds.manager.update(AmphoraEntity, { id: ctx.flow.targetId! }, { certBusy: false });
    },
  };
}


