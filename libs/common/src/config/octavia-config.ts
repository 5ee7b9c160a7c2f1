import { availableParallelism } from 'node:os';
import { IniSections, readIniFile } from './ini-file';
import { KeystoneAuthtokenOptions, OsloPolicyOptions, readKeystoneAuthtoken, readOsloPolicy } from './auth-options';

export type AuthStrategy = 'noauth' | 'keystone' | 'testing';
export type Topology = 'SINGLE' | 'ACTIVE_STANDBY';

/** Everything the services read from configuration, typed and validated once at start-up. */
export interface OctaviaConfig {
  databaseUrl?: string;
  redisUrl?: string;
  dataDir: string;
  api: {
    host: string;
    port: number;
    authStrategy: AuthStrategy;
    apiBaseUri?: string;
    paginationMaxLimit: number | null;
    enabledProviderDrivers: Record<string, string>;
    defaultProviderDriver: string;
    allowTlsTerminatedListeners: boolean;
    allowPingHealthMonitors: boolean;
    allowPrometheusListeners: boolean;
    udpConnectMinIntervalHealthMonitor: number;
    defaultListenerCiphers: string;
    defaultPoolCiphers: string;
    tlsCipherProhibitList: string[];
    defaultListenerTlsVersions: string[];
    defaultPoolTlsVersions: string[];
    defaultListenerAlpnProtocols: string[];
    defaultPoolAlpnProtocols: string[];
    maxRequestBodySize: number;
    healthcheckEnabled: boolean;
  };
  networking: {
    reservedIps: string[];
    allowVipNetworkId: boolean;
    allowVipSubnetId: boolean;
    allowVipPortId: boolean;
  };
  haproxy: {
    timeoutClientData: number;
    timeoutMemberConnect: number;
    timeoutMemberData: number;
    timeoutTcpInspect: number;
  };
  controllerWorker: { loadbalancerTopology: Topology };
  /** The worker and its drivers (ours; upstream names where upstream has the option). */
  worker: {
    /** [controller_worker] compute_driver: netns | qemu | ssh | noop (noop = database steps only). */
    computeDriver: string;
    /** [controller_worker] network_driver: local | noop. */
    networkDriver: string;
    /** [octavia_ts] queue_prefix: BullMQ key prefix (several deployments or test runs on one Redis). */
    queuePrefix: string;
    /** [controller_worker] workers: flows run at once by one worker process. */
    concurrency: number;
    /** Flows of one kind family at once per worker process (failovers are never starved by creates). */
    createConcurrency: number;
    failoverConcurrency: number;
    /** BullMQ job lock; a killed worker's flow is taken over after about this long. */
    lockDurationMs: number;
    reconcileIntervalMs: number;
    /** The bundled agent installed into amphorae. */
    agentBundle: string;
    /** Per-amphora folders of the netns driver; the controller's certificates. */
    amphoraStateDir: string;
    certDir: string;
    /** [certificates] cert_validity_time */
    certValiditySeconds: number;
    local: { namespace: string; mgmtBridge: string; mgmtCidr: string };
    /** [haproxy_amphora] connection and retry settings (amphora-agent-api.md §6.2), in ms where timed. */
    amphora: {
      bindPort: number;
      connectTimeoutMs: number;
      readTimeoutMs: number;
      connectionMaxRetries: number;
      connectionRetryIntervalMs: number;
      activeConnectionMaxRetries: number;
      activeConnectionRetryIntervalMs: number;
    };
    /** [health_manager] controller_ip_port_list (default: the controller's management address and bind_port). */
    controllerIpPortList: string[];
    /** [keepalived_vrrp] vrrp_advert_int */
    vrrpAdvertInt: number;
    /** [keepalived_vrrp] vrrp_check_interval / vrrp_fail_count / vrrp_success_count (ours: 1 s, not 5 s). */
    vrrpCheckInterval: number;
    vrrpFailCount: number;
    vrrpSuccessCount: number;
  };
  /** `[qemu]` (ours): the qemu compute driver (libs/drivers/src/compute/qemu). */
  qemu: {
    /** Images built by images/debian/build.sh (default <data_dir>/images). */
    imageDir: string;
    /** Image below image_dir (default debian-current). */
    image: string;
    memoryMb: number;
    cpus: number;
    /** auto = KVM only when a guest really boots under it, else TCG. */
    accel: 'auto' | 'kvm' | 'tcg';
    bootTimeoutSeconds: number;
  };
  /** `[ssh]` (ours): the ssh compute driver (libs/drivers/src/compute/ssh). */
  ssh: {
    /** JSON array of devices (see SshDevice). */
    devicesFile?: string;
    knownHostsFile?: string;
    readyTimeoutSeconds: number;
  };
  /** `[keystone_authtoken]` (keystonemiddleware's options) and `[oslo_policy]`: see auth-options.ts. */
  keystoneAuthtoken: KeystoneAuthtokenOptions;
  osloPolicy: OsloPolicyOptions;
  /** Where listener/pool TLS references are resolved (libs/cert-manager). */
  certificates: {
    /** `barbican_cert_manager` (Barbican and `local://` refs), `local_cert_manager` (`local://` only) or `noop_cert_manager` (refs not fetched). */
    certManager: 'barbican_cert_manager' | 'local_cert_manager' | 'noop_cert_manager';
    /** Barbican's public endpoint (`https://barbican.example:9311`); refs are only ever fetched from here. */
    barbicanEndpoint?: string;
    /** Folder of `<name>.pem` bundles served as `local://<name>`. */
    localCertDir?: string;
    /** Passphrase the local store derives its encryption key from (upstream's option name): the first of the list. */
    serverCertsKeyPassphrase: string;
    /** All of them: the first encrypts, every one decrypts (so the key can be rotated). */
    serverCertsKeyPassphrases: string[];
  };
  quotas: {
    loadBalancer: number;
    listener: number;
    pool: number;
    healthMonitor: number;
    member: number;
    l7policy: number;
    l7rule: number;
  };
  healthManager: {
    bindIp: string;
    bindPort: number;
    heartbeatKey: string;
    heartbeatInterval: number;
    heartbeatTimeout: number;
    /** Circuit breaker: this many stale amphorae at once stop all failovers (null = off; ours defaults to 20). */
    failoverThreshold: number | null;
    healthCheckInterval: number;
    failoverThreads: number;
    /** Decode threads for heartbeats (0 = decode on the main thread). */
    healthUpdateThreads: number;
    sockRlimit: number;
    /** Seconds a load balancer's status snapshot is trusted before it is re-read from the database. */
    statusCacheTtl: number;
    failoverRetryInitialDelay: number;
    failoverRetryMaxDelay: number;
  };
  houseKeeping: {
    cleanupInterval: number;
    amphoraExpiryAge: number;
    loadBalancerExpiryAge: number;
    certInterval: number;
    certExpiryBuffer: number;
    certRotateThreads: number;
  };
}

export class ConfigError extends Error {}

const CIPHERS_OWASP_SUITE_B =
  'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:' +
  'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:' +
  'ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305';

/** Reads one option: environment variable first, then the INI file, then the default. */
class OptionReader {
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly ini: IniSections) {}

  raw(section: string, name: string, envName?: string): string | undefined {
    if (envName && this.env[envName] !== undefined && this.env[envName] !== '') return this.env[envName];
    return this.ini[section]?.[name];
  }

  str(section: string, name: string, fallback: string, envName?: string): string {
    return this.raw(section, name, envName) ?? fallback;
  }

  int(section: string, name: string, fallback: number, envName?: string, min = -Infinity, max = Infinity): number {
    const v = this.raw(section, name, envName);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`[${section}] ${name} must be an integer in ${min}..${max}, got "${v}"`);
    }
    return n;
  }

  bool(section: string, name: string, fallback: boolean, envName?: string): boolean {
    const v = this.raw(section, name, envName);
    if (v === undefined) return fallback;
    if (/^(true|1|yes|on)$/i.test(v)) return true;
    if (/^(false|0|no|off)$/i.test(v)) return false;
    throw new ConfigError(`[${section}] ${name} must be a boolean, got "${v}"`);
  }

  list(section: string, name: string, fallback: string[], envName?: string): string[] {
    const v = this.raw(section, name, envName);
    if (v === undefined) return fallback;
    return v.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  }

  /** oslo DictOpt syntax: `key1:value1,key2:value2`. */
  dict(section: string, name: string, fallback: Record<string, string>): Record<string, string> {
    const v = this.raw(section, name);
    if (v === undefined) return fallback;
    const out: Record<string, string> = {};
    for (const part of v.split(',')) {
      const idx = part.indexOf(':');
      if (idx < 0) throw new ConfigError(`[${section}] ${name} must be "name:description,...", got "${v}"`);
      out[part.slice(0, idx).trim()] = part.slice(idx + 1).trim();
    }
    return out;
  }
}

function parseBind(bind: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(bind);
  if (!m) throw new ConfigError(`OCTAVIA_TS_API_BIND must be host:port, got "${bind}"`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535) throw new ConfigError(`OCTAVIA_TS_API_BIND port out of range: ${port}`);
  return { host: m[1], port };
}

/**
 * Builds the typed configuration from environment variables (OCTAVIA_TS_*) and the optional INI file
 * named by OCTAVIA_TS_CONFIG_FILE, using upstream Octavia's section and option names where upstream has one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OctaviaConfig {
  const ini = env.OCTAVIA_TS_CONFIG_FILE ? readIniFile(env.OCTAVIA_TS_CONFIG_FILE) : {};
  const o = new OptionReader(env, ini);
  const bindFromEnv = env.OCTAVIA_TS_API_BIND ? parseBind(env.OCTAVIA_TS_API_BIND) : undefined;
  const authStrategy = o.str('api_settings', 'auth_strategy', 'noauth', 'OCTAVIA_TS_AUTH_STRATEGY');
  if (!['noauth', 'keystone', 'testing'].includes(authStrategy)) {
    throw new ConfigError(`auth_strategy must be noauth, keystone or testing, got "${authStrategy}"`);
  }
  const topology = o.str('controller_worker', 'loadbalancer_topology', 'SINGLE');
  if (topology !== 'SINGLE' && topology !== 'ACTIVE_STANDBY') {
    throw new ConfigError(`[controller_worker] loadbalancer_topology must be SINGLE or ACTIVE_STANDBY`);
  }
  const maxLimit = o.str('api_settings', 'pagination_max_limit', '1000');
  const maxLimitNum = maxLimit === 'infinite' ? null : Number(maxLimit);
  if (maxLimitNum !== null && !Number.isInteger(maxLimitNum)) {
    throw new ConfigError(`[api_settings] pagination_max_limit must be an integer or "infinite"`);
  }
  const databaseUrl = o.raw('database', 'connection', 'OCTAVIA_TS_DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`the database URL must be postgresql://..., got "${databaseUrl}"`);
  }
  const quota = (name: string) => o.int('quotas', `default_${name}_quota`, -1, undefined, -1);
  const threshold = o.raw('health_manager', 'failover_threshold');
  return {
    databaseUrl,
    redisUrl: o.raw('octavia_ts', 'redis_url', 'OCTAVIA_TS_REDIS_URL'),
    dataDir: o.str('octavia_ts', 'data_dir', `${process.cwd()}/.data`, 'OCTAVIA_TS_DATA_DIR'),
    api: {
      host: bindFromEnv?.host ?? o.str('api_settings', 'bind_host', '127.0.0.1'),
      port: bindFromEnv?.port ?? o.int('api_settings', 'bind_port', 9876, undefined, 0, 65535),
      authStrategy: authStrategy as AuthStrategy,
      apiBaseUri: o.raw('api_settings', 'api_base_uri'),
      paginationMaxLimit: maxLimitNum !== null && maxLimitNum < 0 ? null : maxLimitNum,
      enabledProviderDrivers: o.dict('api_settings', 'enabled_provider_drivers', {
        amphora: 'The Octavia Amphora driver.',
        octavia: 'Deprecated alias of the Octavia Amphora driver.',
        noop_driver: 'The no-op driver: objects become ACTIVE at once (API and scale tests).',
      }),
      defaultProviderDriver: o.str('api_settings', 'default_provider_driver', 'amphora', 'OCTAVIA_TS_DEFAULT_PROVIDER'),
      allowTlsTerminatedListeners: o.bool('api_settings', 'allow_tls_terminated_listeners', true),
      allowPingHealthMonitors: o.bool('api_settings', 'allow_ping_health_monitors', true),
      allowPrometheusListeners: o.bool('api_settings', 'allow_prometheus_listeners', true),
      udpConnectMinIntervalHealthMonitor: o.int('api_settings', 'udp_connect_min_interval_health_monitor', 3),
      defaultListenerCiphers: o.str('api_settings', 'default_listener_ciphers', CIPHERS_OWASP_SUITE_B),
      defaultPoolCiphers: o.str('api_settings', 'default_pool_ciphers', CIPHERS_OWASP_SUITE_B),
      tlsCipherProhibitList: o.list('api_settings', 'tls_cipher_prohibit_list', []),
      defaultListenerTlsVersions: o.list('api_settings', 'default_listener_tls_versions', ['TLSv1.2', 'TLSv1.3']),
      defaultPoolTlsVersions: o.list('api_settings', 'default_pool_tls_versions', ['TLSv1.2', 'TLSv1.3']),
      defaultListenerAlpnProtocols: o.list('api_settings', 'default_listener_alpn_protocols', ['h2', 'http/1.1', 'http/1.0']),
      defaultPoolAlpnProtocols: o.list('api_settings', 'default_pool_alpn_protocols', ['h2', 'http/1.1', 'http/1.0']),
      maxRequestBodySize: o.int('oslo_middleware', 'max_request_body_size', 114688, undefined, 1),
      healthcheckEnabled: o.bool('api_settings', 'healthcheck_enabled', true),
    },
    networking: {
      reservedIps: o.list('networking', 'reserved_ips', ['169.254.169.254']),
      allowVipNetworkId: o.bool('networking', 'allow_vip_network_id', true),
      allowVipSubnetId: o.bool('networking', 'allow_vip_subnet_id', true),
      allowVipPortId: o.bool('networking', 'allow_vip_port_id', true),
    },
    haproxy: {
      timeoutClientData: o.int('haproxy_amphora', 'timeout_client_data', 50000, undefined, 0),
      timeoutMemberConnect: o.int('haproxy_amphora', 'timeout_member_connect', 5000, undefined, 0),
      timeoutMemberData: o.int('haproxy_amphora', 'timeout_member_data', 50000, undefined, 0),
      timeoutTcpInspect: o.int('haproxy_amphora', 'timeout_tcp_inspect', 0, undefined, 0),
    },
    controllerWorker: { loadbalancerTopology: topology },
    worker: {
      computeDriver: o.str('controller_worker', 'compute_driver', 'netns', 'OCTAVIA_TS_COMPUTE_DRIVER'),
      networkDriver: o.str('controller_worker', 'network_driver', 'local', 'OCTAVIA_TS_NETWORK_DRIVER'),
      queuePrefix: o.str('octavia_ts', 'queue_prefix', 'bull', 'OCTAVIA_TS_QUEUE_PREFIX'),
      concurrency: o.int('controller_worker', 'workers', 8, undefined, 1, 256),
      createConcurrency: o.int('octavia_ts', 'create_concurrency', 4, undefined, 1, 256),
      failoverConcurrency: o.int('octavia_ts', 'failover_concurrency', 4, undefined, 1, 256),
      lockDurationMs: o.int('octavia_ts', 'job_lock_ms', 15000, 'OCTAVIA_TS_JOB_LOCK_MS', 1000),
      reconcileIntervalMs: o.int('octavia_ts', 'reconcile_interval_ms', 5000, 'OCTAVIA_TS_RECONCILE_INTERVAL_MS', 100),
      agentBundle: o.str('octavia_ts', 'agent_bundle', `${process.cwd()}/dist/amphora-agent.js`, 'OCTAVIA_TS_AGENT_BUNDLE'),
      amphoraStateDir: o.str('octavia_ts', 'amphora_state_dir', '/var/lib/octavia-ts/amphorae', 'OCTAVIA_TS_AMPHORA_STATE_DIR'),
      certDir: o.str('certificates', 'storage_path', `${o.str('octavia_ts', 'data_dir', `${process.cwd()}/.data`, 'OCTAVIA_TS_DATA_DIR')}/pki`, 'OCTAVIA_TS_CERT_DIR'),
      certValiditySeconds: o.int('certificates', 'cert_validity_time', 2592000, undefined, 60),
      local: {
        namespace: o.str('networking', 'local_namespace', 'octavia-net', 'OCTAVIA_TS_LOCAL_NAMESPACE'),
        mgmtBridge: o.str('networking', 'mgmt_bridge', 'octavia-mgmt', 'OCTAVIA_TS_MGMT_BRIDGE'),
        mgmtCidr: o.str('networking', 'mgmt_cidr', '172.31.0.0/22', 'OCTAVIA_TS_MGMT_CIDR'),
      },
      amphora: {
        bindPort: o.int('haproxy_amphora', 'bind_port', 9443, undefined, 1, 65535),
        connectTimeoutMs: 1000 * o.int('haproxy_amphora', 'rest_request_conn_timeout', 10, undefined, 1),
        readTimeoutMs: 1000 * o.int('haproxy_amphora', 'rest_request_read_timeout', 60, undefined, 1),
        connectionMaxRetries: o.int('haproxy_amphora', 'connection_max_retries', 120, undefined, 1),
        connectionRetryIntervalMs: Math.round(1000 * Number(o.str('haproxy_amphora', 'connection_retry_interval', '5'))),
        activeConnectionMaxRetries: o.int('haproxy_amphora', 'active_connection_max_retries', 15, undefined, 1),
        activeConnectionRetryIntervalMs: Math.round(1000 * Number(o.str('haproxy_amphora', 'active_connection_retry_interval', '2'))),
      },
      controllerIpPortList: o.list('health_manager', 'controller_ip_port_list', [], 'OCTAVIA_TS_CONTROLLER_IP_PORT_LIST'),
      vrrpAdvertInt: o.int('keepalived_vrrp', 'vrrp_advert_int', 1, undefined, 1, 255),
      vrrpCheckInterval: o.int('keepalived_vrrp', 'vrrp_check_interval', 1, undefined, 1, 3600),
      vrrpFailCount: o.int('keepalived_vrrp', 'vrrp_fail_count', 2, undefined, 1, 100),
      vrrpSuccessCount: o.int('keepalived_vrrp', 'vrrp_success_count', 2, undefined, 1, 100),
    },
    qemu: qemuSection(o),
    ssh: {
      devicesFile: o.raw('ssh', 'devices_file', 'OCTAVIA_TS_SSH_DEVICES_FILE'),
      knownHostsFile: o.raw('ssh', 'known_hosts_file', 'OCTAVIA_TS_SSH_KNOWN_HOSTS'),
      readyTimeoutSeconds: o.int('ssh', 'ready_timeout', 60, undefined, 1, 3600),
    },
    keystoneAuthtoken: readKeystoneAuthtoken(o),
    osloPolicy: readOsloPolicy(o, env.OCTAVIA_TS_CONFIG_FILE),
    certificates: certificatesSection(o),
    quotas: {
      loadBalancer: quota('load_balancer'),
      listener: quota('listener'),
      pool: quota('pool'),
      healthMonitor: quota('health_monitor'),
      member: quota('member'),
      l7policy: quota('l7policy'),
      l7rule: quota('l7rule'),
    },
    healthManager: {
      bindIp: o.str('health_manager', 'bind_ip', '127.0.0.1'),
      bindPort: o.int('health_manager', 'bind_port', 5555, undefined, 0, 65535),
      heartbeatKey: o.str('health_manager', 'heartbeat_key', 'insecure', 'OCTAVIA_TS_HEARTBEAT_KEY'),
      heartbeatInterval: o.int('health_manager', 'heartbeat_interval', 10, undefined, 1),
      heartbeatTimeout: o.int('health_manager', 'heartbeat_timeout', 60, undefined, 1),
      failoverThreshold: threshold === undefined ? 20 : o.int('health_manager', 'failover_threshold', 0, undefined, 0) || null,
      healthCheckInterval: o.int('health_manager', 'health_check_interval', 3, undefined, 1),
      failoverThreads: o.int('health_manager', 'failover_threads', 10, undefined, 1),
      // Two receiving threads ride out a busy host better than one (each reads the shared socket).
      healthUpdateThreads: o.int('health_manager', 'health_update_threads', Math.min(2, availableParallelism()), undefined, 0, 16),
      // 4 MiB (the kernel caps it at net.core.rmem_max; the manager warns when it does): ~80 ms of heartbeats at 50,000/s.
      sockRlimit: o.int('health_manager', 'sock_rlimit', 4 * 1024 * 1024, undefined, 0),
      statusCacheTtl: o.int('health_manager', 'status_cache_ttl', 10, undefined, 0),
      failoverRetryInitialDelay: o.int('health_manager', 'failover_retry_initial_delay', 60, undefined, 0),
      failoverRetryMaxDelay: o.int('health_manager', 'failover_retry_max_delay', 3600, undefined, 0),
    },
    houseKeeping: {
      cleanupInterval: o.int('house_keeping', 'cleanup_interval', 30, undefined, 1),
      amphoraExpiryAge: o.int('house_keeping', 'amphora_expiry_age', 604800, undefined, 0),
      loadBalancerExpiryAge: o.int('house_keeping', 'load_balancer_expiry_age', 604800, undefined, 0),
      certInterval: o.int('house_keeping', 'cert_interval', 3600, undefined, 1),
      certExpiryBuffer: o.int('house_keeping', 'cert_expiry_buffer', 1209600, undefined, 0),
      certRotateThreads: o.int('house_keeping', 'cert_rotate_threads', 10, undefined, 1),
    },
  };
}

function certificatesSection(o: OptionReader): OctaviaConfig['certificates'] {
  const certManager = o.str('certificates', 'cert_manager', 'barbican_cert_manager', 'OCTAVIA_TS_CERT_MANAGER');
  if (!['barbican_cert_manager', 'local_cert_manager', 'noop_cert_manager'].includes(certManager)) {
    throw new ConfigError(`[certificates] cert_manager must be barbican_cert_manager, local_cert_manager or noop_cert_manager, got "${certManager}"`);
  }
  const barbicanEndpoint = o.raw('certificates', 'barbican_endpoint', 'OCTAVIA_TS_BARBICAN_URL');
  if (barbicanEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(barbicanEndpoint)) {
    throw new ConfigError(`[certificates] barbican_endpoint must be an http(s) URL, got "${barbicanEndpoint}"`);
  }
  const passphrase = o.str('certificates', 'server_certs_key_passphrase', 'insecure-key-do-not-use-this-key', 'OCTAVIA_TS_CERT_STORE_KEY');
  return {
    certManager: certManager as OctaviaConfig['certificates']['certManager'],
    barbicanEndpoint,
    localCertDir: o.raw('certificates', 'local_cert_dir', 'OCTAVIA_TS_LOCAL_CERT_DIR'),
    serverCertsKeyPassphrase: passphrase.split(',')[0].trim(),
    serverCertsKeyPassphrases: passphrase.split(',').map((p) => p.trim()).filter(Boolean),
  };
}

function qemuSection(o: OptionReader): OctaviaConfig['qemu'] {
  const accel = o.str('qemu', 'accel', 'auto', 'OCTAVIA_TS_QEMU_ACCEL');
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new ConfigError(`[qemu] accel must be auto, kvm or tcg, got "${accel}"`);
  const image = o.str('qemu', 'image', 'debian-current');
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(image)) throw new ConfigError(`[qemu] image must be a directory name below image_dir, got "${image}"`);
  const dataDir = o.str('octavia_ts', 'data_dir', `${process.cwd()}/.data`, 'OCTAVIA_TS_DATA_DIR');
  return {
    imageDir: o.str('qemu', 'image_dir', `${dataDir}/images`, 'OCTAVIA_TS_IMAGE_DIR'),
    image,
    memoryMb: o.int('qemu', 'memory_mb', 512, undefined, 128, 65536),
    cpus: o.int('qemu', 'cpus', 1, undefined, 1, 64),
    accel,
    bootTimeoutSeconds: o.int('qemu', 'boot_timeout', 600, undefined, 10, 7200),
  };
}

export const OCTAVIA_CONFIG = Symbol('OCTAVIA_CONFIG');
