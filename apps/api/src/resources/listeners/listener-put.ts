import { OctaviaConfig } from '../../../../../libs/common/src';
import { ListenerEntity } from '../../../../../libs/database/src';
import { KEEP_ON_NULL, PutTable } from '../pools/put-semantics';

/** Listener PUT: updatable attributes and what an explicit null stores (spec 9.2.1, "null-out on PUT"). */
export function listenerPutTable(config: OctaviaConfig): PutTable<ListenerEntity> {
  return {
    name: { prop: 'name', onNull: null },
    description: { prop: 'description', onNull: null },
    admin_state_up: { prop: 'enabled', onNull: false },
    connection_limit: { prop: 'connectionLimit', onNull: -1 },
    default_pool_id: { prop: 'defaultPoolId', onNull: null },
    default_tls_container_ref: { prop: 'defaultTlsContainerRef', onNull: null },
    sni_container_refs: { prop: 'sniContainerRefs', onNull: [] },
    insert_headers: { prop: 'insertHeaders', onNull: {} },
    timeout_client_data: { prop: 'timeoutClientData', onNull: config.haproxy.timeoutClientData },
    timeout_member_connect: { prop: 'timeoutMemberConnect', onNull: config.haproxy.timeoutMemberConnect },
    timeout_member_data: { prop: 'timeoutMemberData', onNull: config.haproxy.timeoutMemberData },
    timeout_tcp_inspect: { prop: 'timeoutTcpInspect', onNull: config.haproxy.timeoutTcpInspect },
    tags: { prop: 'tags', onNull: KEEP_ON_NULL },
    client_ca_tls_container_ref: { prop: 'clientCaTlsContainerRef', onNull: null },
    client_authentication: { prop: 'clientAuthentication', onNull: 'NONE' },
    client_crl_container_ref: { prop: 'clientCrlContainerRef', onNull: null },
    allowed_cidrs: { prop: 'allowedCidrs', onNull: null },
    tls_ciphers: { prop: 'tlsCiphers', onNull: config.api.defaultListenerCiphers },
    tls_versions: { prop: 'tlsVersions', onNull: config.api.defaultListenerTlsVersions },
    alpn_protocols: { prop: 'alpnProtocols', onNull: config.api.defaultListenerAlpnProtocols },
    hsts_max_age: { prop: 'hstsMaxAge', onNull: null },
    hsts_include_subdomains: { prop: 'hstsIncludeSubdomains', onNull: false },
    hsts_preload: { prop: 'hstsPreload', onNull: false },
  };
}
