import { assertNoControlChars } from '../config-escaping';
import { validateCipherString, validateFilePath, validateInteger, validateIpAddress, validateUuid } from '../field-validators';
import type { RenderLoadBalancer } from '../render-model';
import {
  HAPROXY_DEFAULTS,
  type AmphoraDetails,
  type AmphoraPeer,
  type HaproxyLogOptions,
  type HaproxyRenderOptions,
  type HaproxyTimeoutDefaults,
  type ListenerCertificatePaths,
  type PoolCertificatePaths,
  type Topology,
} from '../render-options';
import { RenderValidationError } from '../render-validation.error';
import { peerName, peersSectionName } from './haproxy-naming';

/** Feature switches driven by the amphora's haproxy version (upstream `build_config`). */
export interface HaproxyFeatures {
  httpReuse: boolean;
  serverStateFile: boolean;
  poolAlpn: boolean;
  prometheus: boolean;
  insecureForkWanted: boolean;
}

/** Options with defaults applied and validated, plus facts derived once per render. */
export interface HaproxyRenderContext {
  lb: RenderLoadBalancer;
  amphoraId: string;
  topology: Topology;
  peers: AmphoraPeer[];
  /** `<lb>_peers` in ACTIVE_STANDBY, else null (stick tables then stay local). */
  peersSection: string | null;
  features: HaproxyFeatures;
  amphoraDetails: AmphoraDetails;
  basePath: string;
  certDir: string;
  statsSocketPath: string;
  serverStateFile: string | null;
  listenerCertificates: Record<string, ListenerCertificatePaths>;
  poolCertificates: Record<string, PoolCertificatePaths>;
  maxconnCap: number;
  openFilesLimit: number;
  maxpipes: number;
  defaultConnectionLimit: number;
  hardStopAfter: string | null;
  daemon: boolean;
  user: string;
  group: string | null;
  log: HaproxyLogOptions;
  timeouts: HaproxyTimeoutDefaults;
  stickTableSize: string;
  defaultListenerCiphers: string;
  defaultPoolCiphers: string;
  pingWrapperPath: string;
  healthCheckFastInterMs: number | null;
  enforceAllowedCidrs: boolean;
  warn(field: string, message: string): void;
}

function parseVersion(version: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) throw new RenderValidationError('options.haproxyVersion', `"${version}" does not start with major.minor`);
  return [Number(match[1]), Number(match[2])];
}

export function haproxyFeatures(version: string): HaproxyFeatures {
  const [major, minor] = parseVersion(version);
  const atLeast = (wantMajor: number, wantMinor: number): boolean =>
    major > wantMajor || (major === wantMajor && minor >= wantMinor);
  return {
    httpReuse: atLeast(1, 6),
    serverStateFile: atLeast(1, 6),
    poolAlpn: atLeast(1, 9),
    prometheus: atLeast(2, 0),
    insecureForkWanted: atLeast(2, 2),
  };
}

/** Operator-supplied words (user, group, stick size, durations) go into the file as they are. */
function operatorWord(value: string, field: string, pattern: RegExp): string {
  assertNoControlChars(value, field);
  if (!pattern.test(value)) throw new RenderValidationError(field, `"${value}" does not match ${pattern}`);
  return value;
}

/** A syslog socket path, or `<ip>:<port>` for a remote syslog server. */
function validateLogTarget(value: string, field: string): string {
  if (value.startsWith('/')) return validateFilePath(value, field);
  const split = value.lastIndexOf(':');
  validateIpAddress(value.slice(0, split), field);
  validateInteger(Number(value.slice(split + 1)), field, 1, 65535);
  return value;
}

function validatePeers(options: HaproxyRenderOptions): AmphoraPeer[] {
  const peers = options.peers ?? [];
  peers.forEach((peer, index) => {
    validateUuid(peer.amphora_id, `options.peers[${index}].amphora_id`);
    validateIpAddress(peer.vrrp_ip, `options.peers[${index}].vrrp_ip`);
  });
  if (options.topology !== 'ACTIVE_STANDBY') return peers;
  if (!peers.some((peer) => peer.amphora_id === options.amphoraId)) {
    // haproxy is started with -L <peer name of this amphora>; without a matching peer line the
    // stick tables would silently stop replicating.
    throw new RenderValidationError('options.peers', `ACTIVE_STANDBY needs the peer list to include amphora ${options.amphoraId}`);
  }
  return peers;
}

export function createHaproxyContext(lb: RenderLoadBalancer, options: HaproxyRenderOptions): HaproxyRenderContext {
  validateUuid(lb.id, 'loadbalancer.id');
  validateUuid(options.amphoraId, 'options.amphoraId');
  if (options.topology !== 'SINGLE' && options.topology !== 'ACTIVE_STANDBY') {
    throw new RenderValidationError('options.topology', 'must be SINGLE or ACTIVE_STANDBY');
  }
  const peers = validatePeers(options);
  const basePath = validateFilePath(options.basePath ?? HAPROXY_DEFAULTS.basePath, 'options.basePath');
  const features = haproxyFeatures(options.haproxyVersion ?? HAPROXY_DEFAULTS.haproxyVersion);
  const defaultStateFile = features.serverStateFile ? `${basePath}/${lb.id}/servers-state` : null;
  const serverStateFile = options.serverStateFile === undefined ? defaultStateFile : options.serverStateFile;

  const maxconnCap = validateInteger(
    options.maxconnCap ?? HAPROXY_DEFAULTS.maxconnHardCap,
    'options.maxconnCap',
    1,
    HAPROXY_DEFAULTS.maxconnHardCap,
  );
  const log: HaproxyLogOptions = { ...HAPROXY_DEFAULTS.log, ...options.log };
  validateLogTarget(log.userLogTarget, 'options.log.userLogTarget');
  validateLogTarget(log.adminLogTarget, 'options.log.adminLogTarget');
  validateInteger(log.userFacility, 'options.log.userFacility', 0, 7);
  validateInteger(log.adminFacility, 'options.log.adminFacility', 0, 7);
  assertNoControlChars(log.userLogFormat, 'options.log.userLogFormat');
  const timeouts: HaproxyTimeoutDefaults = { ...HAPROXY_DEFAULTS.timeouts, ...options.timeouts };
  for (const [name, value] of Object.entries(timeouts)) {
    validateInteger(value, `options.timeouts.${name}`, 0, 2_073_600_000);
  }
  const listenerCiphers = options.defaultListenerCiphers ?? HAPROXY_DEFAULTS.ciphers;
  const poolCiphers = options.defaultPoolCiphers ?? HAPROXY_DEFAULTS.ciphers;
  for (const [field, value] of [
    ['options.defaultListenerCiphers', listenerCiphers],
    ['options.defaultPoolCiphers', poolCiphers],
  ] as const) {
    if (!validateCipherString(value, field)) throw new RenderValidationError(field, 'is not a valid OpenSSL cipher string');
  }
  const fastInter = options.healthCheckFastInterMs === undefined
    ? HAPROXY_DEFAULTS.healthCheckFastInterMs
    : options.healthCheckFastInterMs;

  return {
    lb,
    amphoraId: options.amphoraId,
    topology: options.topology,
    peers,
    peersSection: options.topology === 'ACTIVE_STANDBY' ? peersSectionName(lb.id) : null,
    features,
    amphoraDetails: options.amphoraDetails ?? {},
    basePath,
    certDir: validateFilePath(options.certDir ?? `${basePath}/certs`, 'options.certDir'),
    statsSocketPath: validateFilePath(options.statsSocketPath ?? `${basePath}/${lb.id}.sock`, 'options.statsSocketPath'),
    serverStateFile: serverStateFile === null ? null : validateFilePath(serverStateFile, 'options.serverStateFile'),
    listenerCertificates: options.listenerCertificates ?? {},
    poolCertificates: options.poolCertificates ?? {},
    maxconnCap,
    openFilesLimit: validateInteger(options.openFilesLimit ?? HAPROXY_DEFAULTS.openFilesLimit, 'options.openFilesLimit', 1024, 100_000_000),
    maxpipes: validateInteger(options.maxpipes ?? HAPROXY_DEFAULTS.maxpipes, 'options.maxpipes', 1, 1_000_000),
    defaultConnectionLimit: validateInteger(
      options.defaultConnectionLimit ?? HAPROXY_DEFAULTS.defaultConnectionLimit,
      'options.defaultConnectionLimit',
      1,
      1_000_000,
    ),
    hardStopAfter: options.hardStopAfter
      ? operatorWord(options.hardStopAfter, 'options.hardStopAfter', /^\d+(us|ms|s|m|h|d)?$/)
      : null,
    daemon: options.daemon ?? false,
    user: operatorWord(options.user ?? HAPROXY_DEFAULTS.user, 'options.user', /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/),
    group: options.group ? operatorWord(options.group, 'options.group', /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/) : null,
    log,
    timeouts,
    stickTableSize: operatorWord(options.stickTableSize ?? HAPROXY_DEFAULTS.stickTableSize, 'options.stickTableSize', /^\d+[kmg]?$/),
    defaultListenerCiphers: listenerCiphers,
    defaultPoolCiphers: poolCiphers,
    pingWrapperPath: validateFilePath(options.pingWrapperPath ?? `${basePath}/ping-wrapper.sh`, 'options.pingWrapperPath'),
    healthCheckFastInterMs:
      fastInter === null ? null : validateInteger(fastInter, 'options.healthCheckFastInterMs', 10, 3_600_000),
    enforceAllowedCidrs: options.enforceAllowedCidrs ?? false,
    warn: (field, message) => options.onWarning?.({ field, message }),
  };
}

/** The peer name haproxy must be started with (`-L`) on this amphora. */
export function localPeerName(options: Pick<HaproxyRenderOptions, 'amphoraId'>): string {
  return peerName(options.amphoraId);
}
