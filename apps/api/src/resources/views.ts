import {
  HealthMonitorEntity, L7PolicyEntity, L7RuleEntity, ListenerEntity, LoadBalancerEntity, MemberEntity, PoolEntity,
} from '../../../../libs/database/src';

/** Naive UTC ISO-8601 with seconds precision and no zone suffix, as upstream renders timestamps. */
export function ts(d: Date | null | undefined): string | null {
  return d ? d.toISOString().slice(0, 19) : null;
}

const ids = (list: string[]) => list.map((id) => ({ id }));

function owned(projectId: string | null) {
  return { project_id: projectId, tenant_id: projectId };
}

export interface LoadBalancerRefs {
  listenerIds: string[];
  poolIds: string[];
  additionalVips: Array<{ subnet_id: string; ip_address: string | null; port_id: string | null }>;
}

export function loadBalancerView(lb: LoadBalancerEntity, refs: LoadBalancerRefs) {
  return {
    id: lb.id,
    name: lb.name ?? '',
    description: lb.description ?? '',
    provisioning_status: lb.provisioningStatus,
    operating_status: lb.operatingStatus,
    admin_state_up: lb.enabled,
    ...owned(lb.projectId),
    created_at: ts(lb.createdAt),
    updated_at: ts(lb.updatedAt),
    vip_address: lb.vipAddress,
    vip_port_id: lb.vipPortId,
    vip_subnet_id: lb.vipSubnetId,
    vip_network_id: lb.vipNetworkId,
    vip_qos_policy_id: lb.vipQosPolicyId,
    vip_sg_ids: lb.vipSgIds ?? [],
    vip_vnic_type: lb.vipVnicType,
    additional_vips: refs.additionalVips,
    listeners: ids(refs.listenerIds),
    pools: ids(refs.poolIds),
    provider: lb.provider || 'octavia',
    flavor_id: lb.flavorId,
    availability_zone: lb.availabilityZone,
    tags: [...(lb.tags ?? [])].sort(),
  };
}

export function listenerView(l: ListenerEntity, l7policyIds: string[]) {
  return {
    id: l.id,
    name: l.name ?? '',
    description: l.description ?? '',
    provisioning_status: l.provisioningStatus,
    operating_status: l.operatingStatus,
    admin_state_up: l.enabled,
    protocol: l.protocol,
    protocol_port: l.protocolPort,
    connection_limit: l.connectionLimit,
    default_tls_container_ref: l.defaultTlsContainerRef,
    sni_container_refs: l.sniContainerRefs ?? [],
    ...owned(l.projectId),
    default_pool_id: l.defaultPoolId,
    l7policies: ids(l7policyIds),
    insert_headers: l.insertHeaders ?? {},
    created_at: ts(l.createdAt),
    updated_at: ts(l.updatedAt),
    loadbalancers: [{ id: l.loadBalancerId }],
    timeout_client_data: l.timeoutClientData,
    timeout_member_connect: l.timeoutMemberConnect,
    timeout_member_data: l.timeoutMemberData,
    timeout_tcp_inspect: l.timeoutTcpInspect,
    tags: [...(l.tags ?? [])].sort(),
    client_ca_tls_container_ref: l.clientCaTlsContainerRef,
    client_authentication: l.clientAuthentication,
    client_crl_container_ref: l.clientCrlContainerRef,
    allowed_cidrs: l.allowedCidrs && l.allowedCidrs.length ? l.allowedCidrs : null,
    tls_ciphers: l.tlsCiphers,
    tls_versions: l.tlsVersions,
    alpn_protocols: l.alpnProtocols,
    hsts_max_age: l.hstsMaxAge,
    hsts_include_subdomains: l.hstsIncludeSubdomains,
    hsts_preload: l.hstsPreload,
  };
}

export function poolView(p: PoolEntity, refs: { listenerIds: string[]; memberIds: string[]; healthMonitorId: string | null }) {
  const sp = p.sessionPersistence;
  return {
    id: p.id,
    name: p.name ?? '',
    description: p.description ?? '',
    provisioning_status: p.provisioningStatus,
    operating_status: p.operatingStatus,
    admin_state_up: p.enabled,
    protocol: p.protocol,
    lb_algorithm: p.lbAlgorithm,
    session_persistence: sp
      ? { type: sp.type, cookie_name: sp.cookie_name ?? null, persistence_timeout: sp.persistence_timeout ?? null, persistence_granularity: sp.persistence_granularity ?? null }
      : null,
    ...owned(p.projectId),
    loadbalancers: [{ id: p.loadBalancerId }],
    listeners: ids(refs.listenerIds),
    members: ids(refs.memberIds),
    healthmonitor_id: refs.healthMonitorId,
    created_at: ts(p.createdAt),
    updated_at: ts(p.updatedAt),
    tags: [...(p.tags ?? [])].sort(),
    tls_enabled: p.tlsEnabled,
    tls_container_ref: p.tlsContainerRef,
    ca_tls_container_ref: p.caTlsContainerRef,
    crl_container_ref: p.crlContainerRef,
    tls_ciphers: p.tlsCiphers,
    tls_versions: p.tlsVersions,
    alpn_protocols: p.alpnProtocols,
  };
}

export function memberView(m: MemberEntity) {
  return {
    id: m.id,
    name: m.name ?? '',
    operating_status: m.operatingStatus,
    provisioning_status: m.provisioningStatus,
    admin_state_up: m.enabled,
    address: m.ipAddress,
    protocol_port: m.protocolPort,
    weight: m.weight,
    backup: m.backup,
    subnet_id: m.subnetId,
    ...owned(m.projectId),
    created_at: ts(m.createdAt),
    updated_at: ts(m.updatedAt),
    monitor_address: m.monitorAddress,
    monitor_port: m.monitorPort,
    tags: [...(m.tags ?? [])].sort(),
    vnic_type: m.vnicType,
  };
}

export function healthMonitorView(h: HealthMonitorEntity) {
  return {
    id: h.id,
    name: h.name ?? '',
    ...owned(h.projectId),
    type: h.type,
    delay: h.delay,
    timeout: h.timeout,
    max_retries: h.riseThreshold,
    max_retries_down: h.fallThreshold,
    http_method: h.httpMethod,
    url_path: h.urlPath,
    expected_codes: h.expectedCodes,
    admin_state_up: h.enabled,
    pools: [{ id: h.poolId }],
    provisioning_status: h.provisioningStatus,
    operating_status: h.operatingStatus,
    created_at: ts(h.createdAt),
    updated_at: ts(h.updatedAt),
    tags: [...(h.tags ?? [])].sort(),
    http_version: h.httpVersion,
    domain_name: h.domainName,
  };
}

export function l7policyView(p: L7PolicyEntity, ruleIds: string[]) {
  return {
    id: p.id,
    name: p.name ?? '',
    description: p.description ?? '',
    listener_id: p.listenerId,
    action: p.action,
    redirect_pool_id: p.redirectPoolId,
    redirect_url: p.redirectUrl,
    redirect_prefix: p.redirectPrefix,
    redirect_http_code: p.redirectHttpCode,
    position: p.position,
    rules: ids(ruleIds),
    admin_state_up: p.enabled,
    provisioning_status: p.provisioningStatus,
    operating_status: p.operatingStatus,
    ...owned(p.projectId),
    created_at: ts(p.createdAt),
    updated_at: ts(p.updatedAt),
    tags: [...(p.tags ?? [])].sort(),
  };
}

export function l7ruleView(r: L7RuleEntity) {
  return {
    id: r.id,
    type: r.type,
    compare_type: r.compareType,
    key: r.key,
    value: r.value,
    invert: r.invert,
    admin_state_up: r.enabled,
    provisioning_status: r.provisioningStatus,
    operating_status: r.operatingStatus,
    ...owned(r.projectId),
    created_at: ts(r.createdAt),
    updated_at: ts(r.updatedAt),
    tags: [...(r.tags ?? [])].sort(),
  };
}
