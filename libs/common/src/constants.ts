/** Octavia's status and enum vocabularies as string-literal unions (octavia-lib constants). */
export const PROVISIONING_STATUSES = ['ACTIVE', 'PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE', 'DELETED', 'ERROR'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];

export const OPERATING_STATUSES = ['ONLINE', 'DRAINING', 'OFFLINE', 'DEGRADED', 'ERROR', 'NO_MONITOR'] as const;
export type OperatingStatus = (typeof OPERATING_STATUSES)[number];

export const LISTENER_PROTOCOLS = ['TCP', 'HTTP', 'HTTPS', 'TERMINATED_HTTPS', 'UDP', 'SCTP', 'PROMETHEUS'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

export const POOL_PROTOCOLS = ['TCP', 'HTTP', 'HTTPS', 'PROXY', 'PROXYV2', 'UDP', 'SCTP'] as const;
export type PoolProtocol = (typeof POOL_PROTOCOLS)[number];

export const LB_ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'] as const;
export type LbAlgorithm = (typeof LB_ALGORITHMS)[number];

export const SESSION_PERSISTENCE_TYPES = ['SOURCE_IP', 'HTTP_COOKIE', 'APP_COOKIE'] as const;
export const HEALTH_MONITOR_TYPES = ['HTTP', 'HTTPS', 'PING', 'TCP', 'TLS-HELLO', 'UDP-CONNECT', 'SCTP'] as const;
export type HealthMonitorType = (typeof HEALTH_MONITOR_TYPES)[number];
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'OPTIONS', 'CONNECT', 'PATCH'] as const;
export const CLIENT_AUTH_MODES = ['NONE', 'OPTIONAL', 'MANDATORY'] as const;
export const TLS_VERSIONS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export const ALPN_PROTOCOLS = ['h2', 'http/1.1', 'http/1.0'] as const;
export const L7POLICY_ACTIONS = ['REJECT', 'REDIRECT_TO_URL', 'REDIRECT_TO_POOL', 'REDIRECT_PREFIX'] as const;
export const L7RULE_TYPES = ['HOST_NAME', 'PATH', 'FILE_TYPE', 'HEADER', 'COOKIE', 'SSL_CONN_HAS_CERT', 'SSL_VERIFY_RESULT', 'SSL_DN_FIELD'] as const;
export const L7RULE_COMPARE_TYPES = ['REGEX', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'EQUAL_TO'] as const;

export const AMPHORA_STATUSES = ['BOOTING', 'ALLOCATED', 'READY', 'PENDING_CREATE', 'PENDING_DELETE', 'DELETED', 'ERROR', 'FAILOVER_STOPPED'] as const;
export type AmphoraStatus = (typeof AMPHORA_STATUSES)[number];
export type AmphoraRole = 'STANDALONE' | 'MASTER' | 'BACKUP';

/** Listener protocol -> pool protocols it may use (spec 10.1). */
export const LISTENER_POOL_COMPAT: Record<ListenerProtocol, readonly PoolProtocol[]> = {
  TCP: ['HTTP', 'HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  HTTP: ['HTTP', 'PROXY', 'PROXYV2'],
  HTTPS: ['HTTPS', 'PROXY', 'PROXYV2', 'TCP'],
  TERMINATED_HTTPS: ['HTTP', 'PROXY', 'PROXYV2'],
  UDP: ['UDP'],
  SCTP: ['SCTP'],
  PROMETHEUS: [],
};

/** L4 family used for the listener port-uniqueness rule (spec 10.3). */
export function l4Family(protocol: string): 'TCP' | 'UDP' | 'SCTP' {
  if (protocol === 'UDP') return 'UDP';
  if (protocol === 'SCTP') return 'SCTP';
  return 'TCP';
}
