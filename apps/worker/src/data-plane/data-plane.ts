import { DataSource, EntityManager, In, Not } from 'typeorm';
import { CertificateManager, CertificateServices, createCertificateServices } from '../../../../libs/cert-manager/src';
import { JsonLogger, OctaviaConfig } from '../../../../libs/common/src';
import { AmphoraEntity, SubnetEntity } from '../../../../libs/database/src';
import { AmphoraClient, AmphoraTarget } from '../../../../libs/drivers/src/amphora/amphora-client';
import { ControllerPki } from '../../../../libs/drivers/src/certificates/controller-pki';
import { AgentPaths } from '../../../../libs/drivers/src/compute/agent-config';
import { AgentSettings, ComputeDriver } from '../../../../libs/drivers/src/compute/compute-driver';
import { LocalNetworkDriver } from '../../../../libs/drivers/src/network/local-network.driver';

/** Upstream's file locations inside a VM amphora; drivers that share the host's filesystem override them. */
export const VM_AGENT_PATHS: Omit<AgentPaths, 'bindHost'> = {
  basePath: '/var/lib/octavia',
  certDir: '/var/lib/octavia/certs',
  serverCert: '/etc/octavia/certs/server.pem',
  clientCa: '/etc/octavia/certs/client_ca.pem',
  networkDir: '/etc/octavia/interfaces',
};

/** Compute drivers may say where their agents keep files (netns amphorae share the host's filesystem). */
export interface AgentPathsProvider {
  agentPathsFor(amphoraId: string, managementIp: string): AgentPaths;
}

export function hasAgentPaths(d: ComputeDriver): d is ComputeDriver & AgentPathsProvider {
  return typeof (d as Partial<AgentPathsProvider>).agentPathsFor === 'function';
}

/** Everything the data-plane tasks use: drivers, the agent client, the controller's certificates and settings. */
export class DataPlane {
  constructor(
    readonly ds: DataSource,
    readonly config: OctaviaConfig,
    readonly compute: ComputeDriver,
    readonly network: LocalNetworkDriver,
    readonly pki: ControllerPki,
    readonly client: AmphoraClient,
    readonly logger: JsonLogger,
  ) {}

  private readonly versions = new Map<string, string | undefined>();
  private certServices?: CertificateServices;

  /** The certificate manager `[certificates]` names, read as the service (no caller token in a flow). */
  certificates(): CertificateManager | null {
    this.certServices ??= createCertificateServices(this.config.certificates, this.ds);
    return this.certServices.manager;
  }

  /** HAProxy version of an amphora (`GET /1.0/info`), asked once per amphora per worker process. */
  async haproxyVersion(t: AmphoraTarget): Promise<string | undefined> {
    if (!this.versions.has(t.id)) {
      const info = await this.client.call(t, 'GET', '/1.0/info', { accept: [200] });
      this.versions.set(t.id, info.json<{ haproxy_version?: string }>().haproxy_version);
    }
    return this.versions.get(t.id);
  }

  target(a: Pick<AmphoraEntity, 'id' | 'lbNetworkIp'>): AmphoraTarget {
    if (!a.lbNetworkIp) throw new Error(`amphora ${a.id} has no management address`);
    return { id: a.id, managementIp: a.lbNetworkIp };
  }

  agentPaths(amphoraId: string, managementIp: string): AgentPaths {
    if (hasAgentPaths(this.compute)) return this.compute.agentPathsFor(amphoraId, managementIp);
    return { ...VM_AGENT_PATHS, bindHost: '::' };
  }

  agentSettings(amphoraId: string, topology: 'SINGLE' | 'ACTIVE_STANDBY', serverPem: string): AgentSettings {
    const hm = this.config.healthManager;
    const controllers = this.config.worker.controllerIpPortList.length
      ? this.config.worker.controllerIpPortList
      : [`${this.network.controllerIp}:${hm.bindPort}`];
    return {
      amphoraId,
      topology,
      bindPort: this.config.worker.amphora.bindPort,
      heartbeatKey: hm.heartbeatKey,
      heartbeatInterval: hm.heartbeatInterval,
      controllerIpPortList: controllers,
      serverPem,
      clientCaPem: this.pki.clientCa.certificatePem,
    };
  }

  /** Live amphorae of a load balancer (not DELETED / PENDING_DELETE), in a stable order (role, then age). */
  async liveAmphorae(em: EntityManager, lbId: string): Promise<AmphoraEntity[]> {
    return em.find(AmphoraEntity, { where: { loadBalancerId: lbId, status: Not(In(['DELETED', 'PENDING_DELETE'])) }, order: { role: 'ASC', createdAt: 'ASC' } });
  }

  async subnet(em: EntityManager, id: string | null): Promise<SubnetEntity> {
    const s = id ? await em.findOneBy(SubnetEntity, { id }) : null;
    if (!s) throw new Error(`subnet ${id} is not a network of the local network driver`);
    return s;
  }
}
