import { EntityManager } from 'typeorm';
import { BridgeLocation, ManagementAddress } from '../compute/compute-driver';

/**
 * Network drivers own addresses and L2 segments: the `local` driver (bridges in a driver-owned namespace,
 * IPAM in PostgreSQL), and a noop twin. Neutron would implement the same calls.
 */
export interface NetworkDriver {
  readonly name: string;
  /** Makes sure the bridge of a network exists and returns where it is. */
  ensureNetwork(networkId: string): Promise<BridgeLocation>;
  /** Management address for a new amphora (idempotent per amphora id; freed when the amphora is DELETED). */
  allocateManagement(em: EntityManager, amphoraId: string): Promise<ManagementAddress>;
}
