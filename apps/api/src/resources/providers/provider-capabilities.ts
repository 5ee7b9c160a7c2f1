import { MetadataSchema } from './metadata-schema';

/**
 * What each provider driver accepts in flavor and availability-zone metadata (spec 9.9, 11). The amphora
 * keys are the ones the controller flows read (controller-flows.md "Flavor and AZ metadata keys").
 */
export interface ProviderCapabilities {
  flavor: MetadataSchema | null;
  availabilityZone: MetadataSchema | null;
}

const AMPHORA: ProviderCapabilities = {
  flavor: {
    loadbalancer_topology: {
      type: 'string',
      enum: ['SINGLE', 'ACTIVE_STANDBY'],
      description: 'The load balancer topology. One of: SINGLE - One amphora per load balancer. ACTIVE_STANDBY - Two amphora per load balancer.',
    },
    compute_flavor: { type: 'string', description: 'ID of the compute flavor the amphorae boot with.' },
    amp_image_tag: { type: 'string', description: 'Tag selecting the image the amphorae boot from.' },
    sriov_vip: { type: 'boolean', description: 'true: the VIP port is created as an SR-IOV virtual function port.' },
    allow_member_sriov: { type: 'boolean', description: 'true: members may ask for SR-IOV ports (request_sriov).' },
  },
  availabilityZone: {
    compute_zone: { type: 'string', description: 'Compute availability zone the amphorae boot in.' },
    management_network: { type: 'string', description: 'ID of the network the controller reaches the amphorae on.' },
    valid_vip_networks: {
      type: 'array',
      description: 'IDs of the networks a VIP may be placed on; replaces the deployment-wide list.',
    },
    volume_zone: { type: 'string', description: 'Block-storage availability zone of amphora volumes.' },
  },
};

/** The no-op driver takes any metadata (as upstream's); it advertises one key of each kind. */
const NOOP: ProviderCapabilities = {
  flavor: null,
  availabilityZone: null,
};
const NOOP_ADVERTISED = {
  flavor: { amp_image_tag: 'Image tag (accepted and not used by the no-op driver).' },
  availabilityZone: { compute_zone: 'Compute zone (accepted and not used by the no-op driver).' },
};

/** The driver that serves a provider name (`octavia` is the deprecated alias of `amphora`). */
export function driverFor(provider: string): string {
  return provider === 'octavia' ? 'amphora' : provider;
}

export function capabilitiesOf(driver: string): ProviderCapabilities | undefined {
  if (driver === 'amphora') return AMPHORA;
  if (driver === 'noop_driver') return NOOP;
  return undefined;
}

/** `{name, description}` items of GET /providers/{p}/flavor_capabilities or .../availability_zone_capabilities. */
export function advertisedCapabilities(driver: string, kind: 'flavor' | 'availabilityZone'): Array<{ name: string; description: string }> | undefined {
  if (driver === 'noop_driver') return Object.entries(NOOP_ADVERTISED[kind]).map(([name, description]) => ({ name, description }));
  const caps = capabilitiesOf(driver);
  const schema = caps?.[kind];
  if (!schema) return undefined;
  return Object.entries(schema).map(([name, p]) => ({ name, description: p.description }));
}
