import { NetworkEntity, PortEntity, SubnetEntity } from '../../../../libs/database/src';

/**
 * Neutron v2.0 and Keystone v3 object shapes (the keys their APIs return), filled from the local network
 * driver's rows. Attributes the local driver has no notion of carry Neutron's defaults.
 */

function iso(d: Date | null | undefined): string {
  return (d ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function networkView(n: NetworkEntity, subnetIds: string[]): Record<string, unknown> & { id: string } {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.projectId ?? '',
    project_id: n.projectId ?? '',
    admin_state_up: true,
    status: 'ACTIVE',
    subnets: subnetIds,
    shared: false,
    'router:external': false,
    mtu: 1500,
    port_security_enabled: true,
    availability_zone_hints: [],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    description: '',
    tags: [],
    created_at: iso(n.createdAt),
    updated_at: iso(n.createdAt),
    revision_number: 1,
  };
}

export function subnetView(s: SubnetEntity): Record<string, unknown> & { id: string } {
  return {
    id: s.id,
    name: s.name,
    network_id: s.networkId,
    tenant_id: s.projectId ?? '',
    project_id: s.projectId ?? '',
    cidr: s.cidr,
    ip_version: s.ipVersion,
    gateway_ip: s.gatewayIp,
    allocation_pools: s.allocationPools,
    enable_dhcp: false,
    dns_nameservers: [],
    host_routes: [],
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    subnetpool_id: null,
    service_types: [],
    segment_id: null,
    description: '',
    tags: [],
    revision_number: 0,
  };
}

export function portView(p: PortEntity): Record<string, unknown> & { id: string } {
  return {
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    tenant_id: p.projectId ?? '',
    project_id: p.projectId ?? '',
    fixed_ips: p.fixedIps,
    mac_address: p.macAddress,
    admin_state_up: true,
    status: p.deviceId ? 'ACTIVE' : 'DOWN',
    device_id: p.deviceId ?? '',
    device_owner: p.deviceOwner ?? '',
    security_groups: [],
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    binding_vnic_type: 'normal',
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
    qos_policy_id: null,
    description: '',
    tags: [],
    created_at: iso(p.createdAt),
    updated_at: iso(p.createdAt),
    revision_number: 1,
  };
}

export function projectView(id: string, base: string): Record<string, unknown> & { id: string } {
  return {
    id,
    name: id,
    domain_id: 'default',
    description: '',
    enabled: true,
    parent_id: 'default',
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${base}/v3/projects/${encodeURIComponent(id)}` },
  };
}
