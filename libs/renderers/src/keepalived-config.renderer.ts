import { assertKeepalivedToken } from './config-escaping';
import {
  ipVersion,
  validateCidr,
  validateFilePath,
  validateInteger,
  validateIpAddress,
  validateUuid,
} from './field-validators';
import { vipAddresses } from './model-resolution';
import type { RenderLoadBalancer } from './render-model';
import { KEEPALIVED_DEFAULTS, type KeepalivedVrrpOptions, type VipNetwork } from './render-options';
import { RenderValidationError } from './render-validation.error';

export { renderKeepalivedLvsConfig } from './keepalived/keepalived-lvs.renderer';

/**
 * keepalived VRRP configuration of one amphora of an ACTIVE_STANDBY pair (agent route
 * `PUT /1.0/vrrp/upload`). Both amphorae start as BACKUP (no `state`, which `nopreempt` needs);
 * the higher priority wins the first election and a recovered peer never takes the VIP back.
 */

interface RenderedVip {
  address: string;
  network: VipNetwork;
  family: 4 | 6;
}

function word(value: string, field: string, pattern: RegExp): string {
  assertKeepalivedToken(value, field);
  if (!pattern.test(value)) throw new RenderValidationError(field, `"${value}" does not match ${pattern}`);
  return value;
}

/** VRRPv2 counts whole seconds; VRRPv3 centiseconds (RFC 5798: 12-bit field, up to 40.95 s). */
function advertInt(value: number, version: 2 | 3): string {
  const field = 'options.vrrpGroup.advert_int';
  if (version === 2) return String(validateInteger(value, field, 1, 255));
  const centis = Math.round(value * 100);
  if (!Number.isFinite(value) || Math.abs(centis - value * 100) > 1e-6 || centis < 1 || centis > 4095) {
    throw new RenderValidationError(field, `${value} is not between 0.01 and 40.95 in steps of 0.01`);
  }
  return String(centis / 100);
}

/** Primary VIP first, additional VIPs sorted by address (keeps interface indexes stable). */
function renderedVips(lb: RenderLoadBalancer, options: KeepalivedVrrpOptions): RenderedVip[] {
  const [primary, ...additional] = vipAddresses(lb);
  return [primary, ...[...additional].sort()].map((address, index) => {
    validateIpAddress(address, index === 0 ? 'loadbalancer.vip_address' : 'loadbalancer.additional_vips');
    const network = options.vipNetworks.find((candidate) => candidate.ip_address === address);
    if (!network) throw new RenderValidationError('options.vipNetworks', `no subnet information for VIP ${address}`);
    validateCidr(network.subnet_cidr, `options.vipNetworks[${address}].subnet_cidr`);
    if (network.gateway_ip) validateIpAddress(network.gateway_ip, `options.vipNetworks[${address}].gateway_ip`);
    (network.host_routes ?? []).forEach((route, routeIndex) => {
      validateCidr(route.destination, `options.vipNetworks[${address}].host_routes[${routeIndex}].destination`);
      validateIpAddress(route.nexthop, `options.vipNetworks[${address}].host_routes[${routeIndex}].nexthop`);
    });
    return { address, network, family: ipVersion(address) };
  });
}

function block(header: string, body: string[], indent = '    '): string[] {
  return [`${indent}${header} {`, ...body.map((line) => `${indent}    ${line}`), `${indent}}`];
}

export function renderKeepalivedVrrpConfig(lb: RenderLoadBalancer, options: KeepalivedVrrpOptions): string {
  validateUuid(lb.id, 'loadbalancer.id');
  const { amphora, vrrpGroup } = options;
  validateUuid(amphora.id, 'options.amphora.id');
  const ownIp = validateIpAddress(amphora.vrrp_ip, 'options.amphora.vrrp_ip');
  const iface = word(amphora.vrrp_interface, 'options.amphora.vrrp_interface', /^[A-Za-z0-9_.:@-]{1,15}$/);
  const version = options.vrrpVersion ?? 2;
  if (version !== 2 && version !== 3) throw new RenderValidationError('options.vrrpVersion', 'must be 2 or 3');
  if (amphora.role !== 'MASTER' && amphora.role !== 'BACKUP') {
    throw new RenderValidationError('options.amphora.role', 'must be MASTER or BACKUP');
  }
  const defaultPriority = amphora.role === 'MASTER' ? KEEPALIVED_DEFAULTS.masterPriority : KEEPALIVED_DEFAULTS.backupPriority;
  const priority = validateInteger(amphora.vrrp_priority ?? defaultPriority, 'options.amphora.vrrp_priority', 1, 254);
  const routerId = validateInteger(amphora.vrrp_id ?? 1, 'options.amphora.vrrp_id', 1, 255);
  const instance = word(vrrpGroup.name ?? lb.id.replace(/-/g, ''), 'options.vrrpGroup.name', /^[A-Za-z0-9_.-]{1,64}$/);
  const checkScript = validateFilePath(options.checkScriptPath ?? KEEPALIVED_DEFAULTS.checkScriptPath, 'options.checkScriptPath');
  const counter = (value: number | undefined, fallback: number, field: string): number =>
    validateInteger(value ?? fallback, `options.${field}`, 1, 3600);

  const peers = options.peers
    .map((peer, index) => validateIpAddress(peer.vrrp_ip, `options.peers[${index}].vrrp_ip`))
    .filter((ip) => ip !== ownIp);
  const vips = renderedVips(lb, options);
  const ownFamily = ipVersion(ownIp);

  const lines: string[] = [];
  if (options.scriptSecurity ?? true) {
    lines.push(...block('global_defs', ['enable_script_security', 'script_user root'], ''), '');
  }
  lines.push(
    ...block(
      'vrrp_script check_script',
      [
        `script ${checkScript}`,
        `interval ${counter(options.checkInterval, KEEPALIVED_DEFAULTS.checkInterval, 'checkInterval')}`,
        `fall ${counter(options.checkFall, KEEPALIVED_DEFAULTS.checkFall, 'checkFall')}`,
        `rise ${counter(options.checkRise, KEEPALIVED_DEFAULTS.checkRise, 'checkRise')}`,
      ],
      '',
    ),
    '',
    `vrrp_instance ${instance} {`,
    `    interface ${iface}`,
    `    virtual_router_id ${routerId}`,
    `    priority ${priority}`,
  );
  if (version === 3) lines.push('    version 3');
  lines.push('    nopreempt', '    accept');
  // VRRPv3 has no authentication; at least drop adverts from anyone but the listed peers.
  if (version === 3) lines.push('    check_unicast_src');
  lines.push(
    `    garp_master_refresh ${counter(options.garpRefreshInterval, KEEPALIVED_DEFAULTS.garpRefreshInterval, 'garpRefreshInterval')}`,
    `    garp_master_refresh_repeat ${counter(options.garpRefreshCount, KEEPALIVED_DEFAULTS.garpRefreshCount, 'garpRefreshCount')}`,
    `    advert_int ${advertInt(vrrpGroup.advert_int ?? KEEPALIVED_DEFAULTS.advertInt, version)}`,
  );
  if (version === 2) {
    const authType = vrrpGroup.auth_type ?? 'PASS';
    if (authType !== 'PASS' && authType !== 'AH') throw new RenderValidationError('options.vrrpGroup.auth_type', 'must be PASS or AH');
    const password = word(vrrpGroup.auth_pass, 'options.vrrpGroup.auth_pass', /^[A-Za-z0-9_.-]{1,8}$/);
    lines.push(...block('authentication', [`auth_type ${authType}`, `auth_pass ${password}`]));
  }
  lines.push(
    '',
    `    unicast_src_ip ${ownIp}`,
    ...block('unicast_peer', peers),
    '',
    ...block('virtual_ipaddress', vips.filter((vip) => vip.family === ownFamily).map((vip) => vip.address)),
    '',
    ...block('virtual_ipaddress_excluded', vips.filter((vip) => vip.family !== ownFamily).map((vip) => vip.address)),
    '',
    ...block(
      'virtual_routes',
      vips.flatMap(({ address, network }) => [
        `${network.subnet_cidr} dev ${iface} src ${address} scope link table 1`,
        ...(network.gateway_ip ? [`default via ${network.gateway_ip} dev ${iface} onlink table 1`] : []),
        // Upstream writes "gateway <nexthop>", which keepalived 2.2 rejects ("unknown route
        // keyword gateway") and so drops the host route; "via" is keepalived's keyword.
        ...(network.host_routes ?? []).map(
          (route) => `${route.destination} dev ${iface} via ${route.nexthop} onlink table 1`,
        ),
      ]),
    ),
    '',
    ...block('virtual_rules', vips.map(({ address, family }) => `from ${address}/${family === 6 ? 128 : 32} table 1 priority 100`)),
    '',
    ...block('track_script', ['check_script']),
    '}',
  );
  return `${lines.join('\n')}\n`;
}
