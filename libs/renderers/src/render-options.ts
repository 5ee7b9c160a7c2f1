import type { RenderWarning } from './render-validation.error';

/**
 * Everything the renderers need that is not an Octavia API field: amphora identity and
 * topology, file locations on the amphora, operator settings (`[haproxy_amphora]`,
 * `[keepalived_vrrp]`, `[amphora_agent]` upstream) and amphora facts from the agent.
 * Defaults are upstream's unless the comment says otherwise.
 */

export type Topology = 'SINGLE' | 'ACTIVE_STANDBY';
export type VrrpRole = 'MASTER' | 'BACKUP';

/** An ALLOCATED amphora of the load balancer (the rendering amphora included). */
export interface AmphoraPeer {
  amphora_id: string;
  vrrp_ip: string;
}

/** Files the controller has written for a TLS listener; the renderer only references them. */
export interface ListenerCertificatePaths {
  /** crt-list (default certificate first, then SNI ones). Default `<certDir>/<lb_id>/<listener_id>.pem`. */
  crtList?: string;
  /** Required when the listener has `client_ca_tls_container_ref`. */
  clientCa?: string;
  /** Required when the listener has `client_crl_container_ref`. */
  clientCrl?: string;
}

/** Files the controller has written for a re-encrypting pool. */
export interface PoolCertificatePaths {
  /** Client certificate + key presented to members (`tls_container_ref`). */
  clientCert?: string;
  /** CA used to verify members (`ca_tls_container_ref`). */
  ca?: string;
  /** CRL for that CA (`crl_container_ref`). */
  crl?: string;
}

/** The parts of the agent's `GET /1.0/details` the haproxy renderer uses. */
export interface AmphoraDetails {
  cpu_count?: number;
  active_tuned_profiles?: string;
  /** kB, as reported by the agent. */
  memory?: { free: number; buffers: number; cached: number };
}

export interface HaproxyLogOptions {
  /** Syslog target for connection logs. */
  userLogTarget: string;
  /** Syslog target for haproxy's own (administrative) logs. */
  adminLogTarget: string;
  /** localN facility for connection logs ([amphora_agent] user_log_facility). */
  userFacility: number;
  /** localN facility for administrative logs ([amphora_agent] administrative_log_facility). */
  adminFacility: number;
  /** [haproxy_amphora] connection_logging; false renders `no log`. */
  connectionLogging: boolean;
  /** [haproxy_amphora] user_log_format, unescaped, with `{{ project_id }}` / `{{ lb_id }}` placeholders. */
  userLogFormat: string;
}

export interface HaproxyTimeoutDefaults {
  clientData: number;
  memberConnect: number;
  memberData: number;
  tcpInspect: number;
}

export interface HaproxyRenderOptions {
  /** The amphora this config is for (its peer name must be in the peers section). */
  amphoraId: string;
  topology: Topology;
  /** ACTIVE_STANDBY: every ALLOCATED amphora of the load balancer, this one included. */
  peers?: AmphoraPeer[];
  /** `haproxy_version` from the agent's `GET /1.0/info`, e.g. "2.6.12-1+deb12u4". Default "2.6". */
  haproxyVersion?: string;
  amphoraDetails?: AmphoraDetails;
  /** [haproxy_amphora] base_path. */
  basePath?: string;
  /** [haproxy_amphora] base_cert_dir. */
  certDir?: string;
  /** Default `<basePath>/<lb_id>.sock` (the agent and the heartbeat look for exactly this). */
  statsSocketPath?: string;
  /** Default `<basePath>/<lb_id>/servers-state`; null leaves the server-state file out. */
  serverStateFile?: string | null;
  /** Keyed by listener id. */
  listenerCertificates?: Record<string, ListenerCertificatePaths>;
  /** Keyed by pool id. */
  poolCertificates?: Record<string, PoolCertificatePaths>;
  /**
   * Ceiling for the global `maxconn`. Ours, not upstream's (1,000,000): haproxy needs two file
   * descriptors per connection plus pipes, checks and listeners, and the amphora's open-files
   * hard limit is 20,000, so the default and the hard cap are 9,900.
   */
  maxconnCap?: number;
  /** Open-files hard limit haproxy runs under; the global maxconn is fitted into it. */
  openFilesLimit?: number;
  /** Splice pipes (2 fds each); rendered explicitly so haproxy's maxconn/4 default cannot blow the fd budget. */
  maxpipes?: number;
  /** [haproxy_amphora] default_connection_limit, for listeners with connection_limit -1/0/unset. */
  defaultConnectionLimit?: number;
  /** `hard-stop-after` so old workers of a master-worker reload cannot linger forever (e.g. "30m"). */
  hardStopAfter?: string | null;
  /**
   * Render `daemon`. Default false: the agent runs haproxy in master-worker mode and supervises
   * the master itself (`-W -db`, or `-Ws` under systemd, which ignores `daemon` anyway).
   */
  daemon?: boolean;
  /** Default "nobody". */
  user?: string;
  /** Default none: the agent appends its own `group` file. */
  group?: string | null;
  log?: Partial<HaproxyLogOptions>;
  timeouts?: Partial<HaproxyTimeoutDefaults>;
  /** [haproxy_amphora] haproxy_stick_size. */
  stickTableSize?: string;
  /** [api_settings] default_listener_ciphers: rendered when a stored listener cipher string is invalid. */
  defaultListenerCiphers?: string;
  /** [api_settings] default_pool_ciphers. */
  defaultPoolCiphers?: string;
  /** Script used by PING monitors. */
  pingWrapperPath?: string;
  /**
   * `fastinter` for member checks: once a check result differs from the current state, re-check
   * this fast so UP/DOWN transitions take `fall`/`rise` × fastinter instead of × delay. Ours;
   * null renders upstream's plain `inter` only. Never slower than the monitor's delay.
   */
  healthCheckFastInterMs?: number | null;
  /**
   * Also enforce listener `allowed_cidrs` inside haproxy (`tcp-request connection reject`).
   * Upstream relies on security groups / nftables only; off by default.
   */
  enforceAllowedCidrs?: boolean;
  /** Receives findings that upstream logs as warnings (e.g. invalid stored ciphers replaced by defaults). */
  onWarning?: (warning: RenderWarning) => void;
}

export interface VipNetwork {
  /** A VIP of the load balancer (primary or additional). */
  ip_address: string;
  /** CIDR of the VIP's subnet. */
  subnet_cidr: string;
  gateway_ip?: string | null;
  host_routes?: Array<{ destination: string; nexthop: string }>;
}

export interface KeepalivedVrrpOptions {
  /** The amphora this config is for. */
  amphora: {
    id: string;
    vrrp_ip: string;
    /** Interface holding vrrp_ip (agent `GET /1.0/interface/<vrrp_ip>`), normally eth1. */
    vrrp_interface: string;
    role: VrrpRole;
    /** Default from role: MASTER 100, BACKUP 90. */
    vrrp_priority?: number;
    /** Always 1 upstream. */
    vrrp_id?: number;
  };
  /** Every ALLOCATED amphora of the load balancer; this amphora is dropped by vrrp_ip. */
  peers: AmphoraPeer[];
  /** The load balancer's vrrp_group row. */
  vrrpGroup: {
    /** Default: load balancer id without dashes. */
    name?: string;
    auth_type?: 'PASS' | 'AH';
    /** 7 random hex characters upstream; keepalived uses at most 8. */
    auth_pass: string;
    /** Seconds; integer for VRRPv2, may be sub-second (0.01 steps) for VRRPv3. Default 1. */
    advert_int?: number;
  };
  /** Subnet facts for every VIP, from the network driver. */
  vipNetworks: VipNetwork[];
  /**
   * 2 (upstream, with PASS/AH authentication) or 3. VRRPv3 allows sub-second `advert_int` but has
   * no authentication, so the block is omitted and `check_unicast_src` only accepts adverts from
   * the listed peers instead.
   */
  vrrpVersion?: 2 | 3;
  /** Default `/var/lib/octavia/vrrp/check_script.sh`. */
  checkScriptPath?: string;
  /** [keepalived_vrrp] vrrp_check_interval / vrrp_fail_count / vrrp_success_count. */
  checkInterval?: number;
  checkFall?: number;
  checkRise?: number;
  /** [keepalived_vrrp] vrrp_garp_refresh_interval / vrrp_garp_refresh_count. */
  garpRefreshInterval?: number;
  garpRefreshCount?: number;
  /**
   * Render `global_defs { enable_script_security; script_user root }`. Ours: without it
   * keepalived 2.2 flags every root-run check script as a security violation (`keepalived -t`
   * exits 6). Default true.
   */
  scriptSecurity?: boolean;
}

export interface KeepalivedLvsOptions {
  /** [haproxy_amphora] base_path; the UDP check script lives under `<basePath>/lvs/check/`. */
  basePath?: string;
  /** Network namespace of the amphora's data plane. */
  netNamespace?: string;
  /** Command for SCTP monitors. */
  sctpCheckCommand?: string;
}

export const HAPROXY_DEFAULTS = {
  basePath: '/var/lib/octavia',
  haproxyVersion: '2.6',
  maxconnHardCap: 9_900,
  openFilesLimit: 20_000,
  maxpipes: 32,
  defaultConnectionLimit: 50_000,
  user: 'nobody',
  stickTableSize: '10k',
  healthCheckFastInterMs: 1_000,
  timeouts: { clientData: 50_000, memberConnect: 5_000, memberData: 50_000, tcpInspect: 0 },
  log: {
    userLogTarget: '/run/rsyslog/octavia/log',
    adminLogTarget: '/run/rsyslog/octavia/log',
    userFacility: 0,
    adminFacility: 1,
    connectionLogging: true,
    userLogFormat:
      '{{ project_id }} {{ lb_id }} %f %ci %cp %t %{+Q}r %ST %B %U %[ssl_c_verify] %{+Q}[ssl_c_s_dn] %b %s %Tt %tsc',
  },
  /** CIPHERS_OWASP_SUITE_B (≥17.0.0); listener and pool defaults share it. */
  ciphers:
    'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
} as const;

export const KEEPALIVED_DEFAULTS = {
  checkScriptPath: '/var/lib/octavia/vrrp/check_script.sh',
  checkInterval: 5,
  checkFall: 2,
  checkRise: 2,
  garpRefreshInterval: 5,
  garpRefreshCount: 2,
  advertInt: 1,
  masterPriority: 100,
  backupPriority: 90,
  netNamespace: 'amphora-haproxy',
  sctpCheckCommand: 'amphora-health-checker sctp',
} as const;
