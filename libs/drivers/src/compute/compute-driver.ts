/**
 * Compute drivers make and destroy amphorae. Every driver (netns, qemu, nova, ssh, noop) implements this
 * small interface; the worker's compute tasks call nothing else. Every method is idempotent: a worker
 * that dies after the side effect and before its journal row runs it again with the same arguments.
 */

/** Where a bridge lives: a network namespace (null = the root namespace) and the bridge's name. */
export interface BridgeLocation {
  namespace: string | null;
  bridge: string;
}

/** The management link of one amphora (upstream's lb-mgmt-net port). */
export interface ManagementAddress {
  /** Address of the amphora on the management network; the agent binds here. */
  ip: string;
  prefixLength: number;
  /** The controller's address on the management network (heartbeats go there). */
  controllerIp: string;
  /** Bridge the amphora's management interface is attached to (null for devices that already have an address, ssh). */
  bridge: BridgeLocation | null;
  macAddress: string;
}

/** What the amphora agent needs to know; drivers render it into amphora-agent.conf with their own paths. */
export interface AgentSettings {
  amphoraId: string;
  topology: 'SINGLE' | 'ACTIVE_STANDBY';
  bindPort: number;
  heartbeatKey: string;
  heartbeatInterval: number;
  /** host:port of every health manager. */
  controllerIpPortList: string[];
  /** The agent's server certificate then key (PEM), CN/SAN = amphora id. */
  serverPem: string;
  /** CA that issued the controller's client certificate. */
  clientCaPem: string;
}

export interface ComputeCreateRequest {
  amphoraId: string;
  loadBalancerId: string | null;
  role: 'STANDALONE' | 'MASTER' | 'BACKUP';
  agent: AgentSettings;
  management: ManagementAddress;
  /** Driver-specific choices from the flavor / availability zone (image, memory, host …). */
  hints?: Record<string, unknown>;
}

export interface ComputeInstance {
  /** Driver's id for the instance (namespace name, VM name, device name …), stored in amphora.compute_id. */
  computeId: string;
  /** Where the controller reaches the agent (amphora.lb_network_ip). */
  managementIp: string;
}

/** A port of the local network driver (or Neutron) to attach to an amphora, by MAC. */
export interface PortAttachment {
  portId: string;
  networkId: string;
  macAddress: string;
  bridge: BridgeLocation;
}

export interface ComputeDriver {
  readonly name: string;
  /** Creates (or finds, by amphora id) the instance and starts its agent; returns without waiting for the agent. */
  create(req: ComputeCreateRequest): Promise<ComputeInstance>;
  /** Removes the instance, its processes and everything created for it. Missing instance = success. */
  delete(computeId: string): Promise<void>;
  /** Gives the instance a link with the port's MAC on the port's bridge; the agent then plugs it by MAC. */
  attachPort(computeId: string, port: PortAttachment): Promise<void>;
  /** Removes that link. Missing link = success. */
  detachPort(computeId: string, portId: string): Promise<void>;
  /** Whether the instance exists and runs (used by failover and by the leak checks). */
  exists(computeId: string): Promise<boolean>;
}
