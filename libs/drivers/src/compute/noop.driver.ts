import { ComputeCreateRequest, ComputeDriver, ComputeInstance, PortAttachment } from './compute-driver';

/** The no-op twin (upstream's compute_noop_driver): remembers instances in memory, starts nothing. */
export class NoopComputeDriver implements ComputeDriver {
  readonly name = 'noop';
  readonly instances = new Map<string, { req: ComputeCreateRequest; ports: Map<string, PortAttachment> }>();

  async create(req: ComputeCreateRequest): Promise<ComputeInstance> {
    const computeId = `noop-${req.amphoraId}`;
    if (!this.instances.has(computeId)) this.instances.set(computeId, { req, ports: new Map() });
    return { computeId, managementIp: req.management.ip };
  }
  async delete(computeId: string): Promise<void> {
    this.instances.delete(computeId);
  }
  async attachPort(computeId: string, port: PortAttachment): Promise<void> {
    this.instances.get(computeId)?.ports.set(port.portId, port);
  }
  async detachPort(computeId: string, portId: string): Promise<void> {
    this.instances.get(computeId)?.ports.delete(portId);
  }
  async exists(computeId: string): Promise<boolean> {
    return this.instances.has(computeId);
  }
}
