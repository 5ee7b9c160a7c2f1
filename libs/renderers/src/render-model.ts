/**
 * Input model of the renderers: the Octavia v2 API's own object shapes (snake_case, as in API
 * responses and in the fully-populated load balancer graph), so the controller can pass
 * API-shaped objects straight in. Children are full objects, not `{id}` references.
 *
 * Fields the renderers never read (names, descriptions, tags, timestamps, project of children)
 * are allowed but optional; tenant text in them never reaches a config file.
 */

export type ProvisioningStatus =
  | 'ACTIVE'
  | 'PENDING_CREATE'
  | 'PENDING_UPDATE'
  | 'PENDING_DELETE'
  | 'DELETED'
  | 'ERROR';

export type ListenerProtocol = 'TCP' | 'HTTP' | 'HTTPS' | 'TERMINATED_HTTPS' | 'UDP' | 'SCTP' | 'PROMETHEUS';
export type PoolProtocol = 'TCP' | 'HTTP' | 'HTTPS' | 'PROXY' | 'PROXYV2' | 'UDP' | 'SCTP';
export type LbAlgorithm = 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP' | 'SOURCE_IP_PORT';
export type SessionPersistenceType = 'SOURCE_IP' | 'HTTP_COOKIE' | 'APP_COOKIE';
export type HealthMonitorType = 'HTTP' | 'HTTPS' | 'PING' | 'TCP' | 'TLS-HELLO' | 'UDP-CONNECT' | 'SCTP';
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'OPTIONS' | 'CONNECT' | 'PATCH';
export type ClientAuthentication = 'NONE' | 'OPTIONAL' | 'MANDATORY';
export type TlsVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export type AlpnProtocol = 'h2' | 'http/1.1' | 'http/1.0';
export type L7PolicyAction = 'REJECT' | 'REDIRECT_TO_URL' | 'REDIRECT_TO_POOL' | 'REDIRECT_PREFIX';
export type L7RuleType =
  | 'HOST_NAME'
  | 'PATH'
  | 'FILE_TYPE'
  | 'HEADER'
  | 'COOKIE'
  | 'SSL_CONN_HAS_CERT'
  | 'SSL_VERIFY_RESULT'
  | 'SSL_DN_FIELD';
export type L7CompareType = 'REGEX' | 'STARTS_WITH' | 'ENDS_WITH' | 'CONTAINS' | 'EQUAL_TO';
export type RedirectHttpCode = 301 | 302 | 303 | 307 | 308;

/** Fields every API object shares; all optional because the renderers only read `admin_state_up` and status. */
interface ApiObjectCommon {
  name?: string;
  description?: string;
  tags?: string[];
  project_id?: string;
  /** Absent means true (API default). */
  admin_state_up?: boolean;
  /** Objects in PENDING_DELETE (or DELETED) are left out of the rendered config. */
  provisioning_status?: ProvisioningStatus;
  operating_status?: string;
  created_at?: string;
  updated_at?: string | null;
}

export interface RenderMember extends ApiObjectCommon {
  id: string;
  address: string;
  protocol_port: number;
  /** 0..256; 0 drains the member. Absent means 1. */
  weight?: number;
  backup?: boolean;
  monitor_address?: string | null;
  monitor_port?: number | null;
  subnet_id?: string | null;
}

export interface RenderHealthMonitor extends ApiObjectCommon {
  id: string;
  type: HealthMonitorType;
  /** Seconds between probes. */
  delay: number;
  /** Seconds a probe may take. */
  timeout: number;
  /** Successes before ONLINE (haproxy `rise`). */
  max_retries: number;
  /** Failures before ERROR (haproxy `fall`); absent means 3. */
  max_retries_down?: number | null;
  http_method?: HttpMethod | null;
  url_path?: string | null;
  expected_codes?: string | null;
  /** The API carries a float (1.0 / 1.1); strings are accepted too. */
  http_version?: number | string | null;
  domain_name?: string | null;
}

export interface RenderSessionPersistence {
  type: SessionPersistenceType;
  cookie_name?: string | null;
  /** UDP/SCTP pools only, seconds. */
  persistence_timeout?: number | null;
  /** UDP/SCTP pools only, netmask such as 255.255.255.0. */
  persistence_granularity?: string | null;
}

export interface RenderPool extends ApiObjectCommon {
  id: string;
  protocol: PoolProtocol;
  lb_algorithm: LbAlgorithm;
  session_persistence?: RenderSessionPersistence | null;
  members: RenderMember[];
  healthmonitor?: RenderHealthMonitor | null;
  tls_enabled?: boolean;
  tls_container_ref?: string | null;
  ca_tls_container_ref?: string | null;
  crl_container_ref?: string | null;
  tls_ciphers?: string | null;
  tls_versions?: TlsVersion[] | null;
  alpn_protocols?: AlpnProtocol[] | null;
}

export interface RenderL7Rule extends ApiObjectCommon {
  id: string;
  type: L7RuleType;
  compare_type: L7CompareType;
  key?: string | null;
  value: string;
  invert?: boolean;
}

export interface RenderL7Policy extends ApiObjectCommon {
  id: string;
  action: L7PolicyAction;
  position?: number;
  redirect_pool_id?: string | null;
  /** The full pool when the caller has it; otherwise it is looked up in `loadbalancer.pools`. */
  redirect_pool?: RenderPool | null;
  redirect_url?: string | null;
  redirect_prefix?: string | null;
  redirect_http_code?: RedirectHttpCode | number | null;
  rules: RenderL7Rule[];
}

export interface RenderListener extends ApiObjectCommon {
  id: string;
  protocol: ListenerProtocol;
  protocol_port: number;
  /** -1 / 0 / absent mean "use the operator default". */
  connection_limit?: number | null;
  default_pool_id?: string | null;
  /** The full default pool, or null. When absent, `default_pool_id` is looked up in `loadbalancer.pools`. */
  default_pool?: RenderPool | null;
  default_tls_container_ref?: string | null;
  sni_container_refs?: string[] | null;
  /** Header name -> "true"/"false"; values are only compared with "true", never rendered. */
  insert_headers?: Record<string, string> | null;
  timeout_client_data?: number | null;
  timeout_member_connect?: number | null;
  timeout_member_data?: number | null;
  timeout_tcp_inspect?: number | null;
  client_ca_tls_container_ref?: string | null;
  client_authentication?: ClientAuthentication | null;
  client_crl_container_ref?: string | null;
  allowed_cidrs?: string[] | null;
  tls_ciphers?: string | null;
  tls_versions?: TlsVersion[] | null;
  alpn_protocols?: AlpnProtocol[] | null;
  hsts_max_age?: number | null;
  hsts_include_subdomains?: boolean | null;
  hsts_preload?: boolean | null;
  l7policies?: RenderL7Policy[];
}

export interface RenderAdditionalVip {
  subnet_id?: string;
  ip_address: string;
  port_id?: string;
}

export interface RenderLoadBalancer extends ApiObjectCommon {
  id: string;
  /** Keystone project; substituted into the connection log format. */
  project_id?: string;
  vip_address: string;
  vip_port_id?: string;
  vip_subnet_id?: string;
  vip_network_id?: string;
  additional_vips?: RenderAdditionalVip[];
  listeners: RenderListener[];
  /** Every pool of the load balancer, used to resolve `default_pool_id` / `redirect_pool_id`. */
  pools?: RenderPool[];
}
