import { assertKeepalivedToken } from '../config-escaping';
import {
  expandExpectedCodes,
  ipVersion,
  validateFilePath,
  validateInteger,
  validateIpAddress,
  validatePort,
  validateUrlPath,
  validateUuid,
} from '../field-validators';
import { activeHealthMonitor, isEnabled, isLive, isLvsListener, liveMembers, resolveDefaultPool, vipAddresses } from '../model-resolution';
import type { LbAlgorithm, RenderHealthMonitor, RenderListener, RenderLoadBalancer, RenderMember, RenderPool } from '../render-model';
import { KEEPALIVED_DEFAULTS, type KeepalivedLvsOptions } from '../render-options';
import { previewValue, RenderValidationError } from '../render-validation.error';

/**
 * keepalived LVS configuration for one UDP or SCTP listener. The comment lines are a contract:
 * the agent regex-parses `# Configuration for <Type> <uuid>` / `# <Type> <uuid> is disabled`,
 * `net_namespace`, the first address of each `virtual_server_group`, `real_server <ip> <port>`
 * and the check keywords, and pairs the i-th enabled Member comment with the i-th real_server.
 */

const LB_ALGO: Partial<Record<LbAlgorithm, string>> = {
  ROUND_ROBIN: 'wrr',
  LEAST_CONNECTIONS: 'lc',
  SOURCE_IP: 'sh',
};

interface LvsContext {
  basePath: string;
  sctpCheckCommand: string;
}

function checkTarget(member: RenderMember): { ip: string; port: number } {
  const where = `member ${member.id}`;
  return {
    ip: validateIpAddress(member.monitor_address || member.address, `${where}.monitor_address`),
    port: validatePort(member.monitor_port || member.protocol_port, `${where}.monitor_port`),
  };
}

function checkBlock(monitor: RenderHealthMonitor, member: RenderMember, ctx: LvsContext): string[] {
  const where = `healthmonitor ${monitor.id}`;
  const timeout = validateInteger(monitor.timeout, `${where}.timeout`, 0, 2_147_483_647);
  const { ip, port } = checkTarget(member);
  switch (monitor.type) {
    case 'UDP-CONNECT':
      return ['MISC_CHECK {', `    misc_path "${ctx.basePath}/lvs/check/udp_check.sh ${ip} ${port}"`, `    misc_timeout ${timeout}`, '}'];
    case 'SCTP':
      return ['MISC_CHECK {', `    misc_path "${ctx.sctpCheckCommand} -t ${timeout} ${ip} ${port}"`, `    misc_timeout ${timeout + 1}`, '}'];
    case 'HTTP': {
      // keepalived only has a GET checker; monitors with another method render no check (upstream).
      if ((monitor.http_method ?? 'GET') !== 'GET') return [];
      const path = assertKeepalivedToken(validateUrlPath(monitor.url_path ?? '/', `${where}.url_path`), `${where}.url_path`);
      const codes = expandExpectedCodes(monitor.expected_codes ?? '200', `${where}.expected_codes`);
      return [
        'HTTP_GET {',
        ...codes.flatMap((code) => ['    url {', `        path ${path}`, `        status_code ${code}`, '    }']),
        `    connect_ip ${ip}`,
        `    connect_port ${port}`,
        `    connect_timeout ${timeout}`,
        '}',
      ];
    }
    case 'TCP':
      return ['TCP_CHECK {', `    connect_ip ${ip}`, `    connect_port ${port}`, `    connect_timeout ${timeout}`, '}'];
    default:
      return [];
  }
}

function realServer(member: RenderMember, pool: RenderPool, listener: RenderListener, ctx: LvsContext): string[] {
  const id = validateUuid(member.id, 'member.id');
  if (!isEnabled(member)) return [`# Member ${id} is disabled`];
  const address = validateIpAddress(member.address, `member ${id}.address`);
  const port = validatePort(member.protocol_port, `member ${id}.protocol_port`);
  const body = [`weight ${validateInteger(member.weight ?? 1, `member ${id}.weight`, 0, 256)}`];
  const limit = listener.connection_limit;
  if (typeof limit === 'number' && limit > 0) body.push(`uthreshold ${validateInteger(limit, `listener ${listener.id}.connection_limit`, 1, 2_147_483_647)}`);
  const monitor = activeHealthMonitor(pool);
  if (monitor) body.push(...checkBlock(monitor, member, ctx));
  return [`# Configuration for Member ${id}`, `real_server ${address} ${port} {`, ...body.map((line) => `    ${line}`), '}'];
}

function persistenceLines(pool: RenderPool, family: 4 | 6): string[] {
  const persistence = pool.session_persistence;
  if (persistence?.type !== 'SOURCE_IP') return [];
  const where = `pool ${pool.id}.session_persistence`;
  const timeout = persistence.persistence_timeout
    ? validateInteger(persistence.persistence_timeout, `${where}.persistence_timeout`, 1, 2_147_483_647)
    : 360;
  let granularity = persistence.persistence_granularity || (family === 4 ? '255.255.255.255' : '128');
  if (!/^\d{1,3}$/.test(granularity) || Number(granularity) > 128) {
    granularity = validateIpAddress(granularity, `${where}.persistence_granularity`);
  }
  return [`persistence_timeout ${timeout}`, `persistence_granularity ${granularity}`];
}

function virtualServer(family: 4 | 6, vips: string[], listener: RenderListener, pool: RenderPool, ctx: LvsContext): string[] {
  const group = `ipv${family}-group`;
  const port = validatePort(listener.protocol_port, `listener ${listener.id}.protocol_port`);
  const algorithm = LB_ALGO[pool.lb_algorithm] ?? 'wrr';
  if (pool.protocol !== 'UDP' && pool.protocol !== 'SCTP') {
    throw new RenderValidationError(`pool ${pool.id}.protocol`, `${previewValue(pool.protocol)} cannot be served by LVS`);
  }
  const header = [`lb_algo ${algorithm}`, 'lb_kind NAT', `protocol ${listener.protocol}`, ...persistenceLines(pool, family)];
  const monitor = activeHealthMonitor(pool);
  if (monitor) {
    // keepalived needs a positive loop delay; the API allows 0 for non-UDP-CONNECT monitors.
    const delay = Math.max(validateInteger(monitor.delay, `healthmonitor ${monitor.id}.delay`, 0, 2_147_483_647), 1);
    const retry = validateInteger(monitor.max_retries_down ?? 3, `healthmonitor ${monitor.id}.max_retries_down`, 1, 10);
    header.push(`delay_loop ${delay}`, `delay_before_retry ${delay}`, `retry ${retry}`);
  }
  const servers: string[] = [isEnabled(pool) ? `# Configuration for Pool ${pool.id}` : `# Pool ${pool.id} is disabled`];
  if (monitor) servers.push(`# Configuration for HealthMonitor ${validateUuid(monitor.id, 'healthmonitor.id')}`);
  if (isEnabled(pool)) {
    for (const member of liveMembers(pool)) {
      if (ipVersion(validateIpAddress(member.address, `member ${member.id}.address`)) === family) {
        servers.push(...realServer(member, pool, listener, ctx));
      }
    }
  }
  return [
    `virtual_server_group ${group} {`,
    ...vips.map((vip) => `    ${vip} ${port}`),
    '}',
    '',
    `virtual_server group ${group} {`,
    ...header.map((line) => `    ${line}`),
    '',
    ...servers.map((line) => `    ${line}`),
    '}',
  ];
}

export function renderKeepalivedLvsConfig(
  lb: RenderLoadBalancer,
  listenerId: string,
  options: KeepalivedLvsOptions = {},
): string {
  validateUuid(lb.id, 'loadbalancer.id');
  const listener = lb.listeners.find((candidate) => candidate.id === listenerId);
  if (!listener) throw new RenderValidationError('listenerId', `listener ${listenerId} is not part of load balancer ${lb.id}`);
  validateUuid(listener.id, 'listener.id');
  if (!isLvsListener(listener)) {
    throw new RenderValidationError(`listener ${listener.id}.protocol`, `${listener.protocol} listeners are served by haproxy, not LVS`);
  }
  const ctx: LvsContext = {
    basePath: validateFilePath(options.basePath ?? '/var/lib/octavia', 'options.basePath'),
    sctpCheckCommand: (options.sctpCheckCommand ?? KEEPALIVED_DEFAULTS.sctpCheckCommand)
      .split(' ')
      .map((part, index) => assertKeepalivedToken(part, `options.sctpCheckCommand[${index}]`))
      .join(' '),
  };
  const namespace = assertKeepalivedToken(options.netNamespace ?? KEEPALIVED_DEFAULTS.netNamespace, 'options.netNamespace');
  const lines = [
    `# Configuration for Loadbalancer ${lb.id}`,
    isEnabled(listener) ? `# Configuration for Listener ${listener.id}` : `# Listener ${listener.id} is disabled`,
    '',
    `net_namespace ${namespace}`,
  ];
  const pool = resolveDefaultPool(lb, listener);
  if (isEnabled(lb) && isEnabled(listener) && isLive(listener) && pool) {
    validateUuid(pool.id, 'pool.id');
    const vips = vipAddresses(lb).map((vip, index) => validateIpAddress(vip, index === 0 ? 'loadbalancer.vip_address' : 'loadbalancer.additional_vips'));
    for (const family of [4, 6] as const) {
      const familyVips = vips.filter((vip) => ipVersion(vip) === family);
      if (familyVips.length > 0) lines.push('', ...virtualServer(family, familyVips, listener, pool, ctx));
    }
  }
  return `${lines.join('\n')}\n`;
}
