/**
 * nftables allow-list for SR-IOV VIPs (`PUT /1.0/interface/{ip}/rules`, amphora-agent-api.md
 * §3.17). Validation mirrors upstream's JSON schema; rendering follows its table layout.
 */

export type RuleProtocol = 'TCP' | 'UDP' | 'SCTP' | 'VRRP';

export interface VipRule {
  protocol: RuleProtocol;
  cidr: string | null;
  port: number;
}

const PROTOCOLS: readonly RuleProtocol[] = ['TCP', 'UDP', 'SCTP', 'VRRP'];

export function validateRules(body: unknown): VipRule[] | null {
  if (!Array.isArray(body)) return null;
  const rules: VipRule[] = [];
  for (const item of body) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const keys = Object.keys(item).sort();
    if (keys.join(',') !== 'cidr,port,protocol') return null;
    const { protocol, cidr, port } = item as Record<string, unknown>;
    if (!PROTOCOLS.includes(protocol as RuleProtocol)) return null;
    if (cidr !== null && (typeof cidr !== 'string' || !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(cidr))) return null;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
    rules.push({ protocol: protocol as RuleProtocol, cidr: cidr as string | null, port });
  }
  return rules;
}

function ruleLine(rule: VipRule): string {
  const source = rule.cidr === null || rule.cidr === '0.0.0.0/0' ? '' : `${rule.cidr.includes(':') ? 'ip6' : 'ip'} saddr ${rule.cidr} `;
  if (rule.protocol === 'VRRP') return `${rule.cidr === null || rule.cidr === '0.0.0.0/0' ? '' : `ip saddr ${rule.cidr} `}ip protocol 112 accept`;
  return `${source}${rule.protocol.toLowerCase()} dport ${rule.port} accept`;
}

/**
 * The whole ruleset, replacing any previous one atomically (create + delete + define).
 * Unlike upstream, a first call with rules installs them at once instead of a drop-all base.
 */
export function renderNftables(rules: VipRule[], vipInterface: string): string {
  const base = [
    '        type filter hook input priority filter; policy drop;',
    '        ct state vmap { established : accept, related : accept, invalid : drop }',
    '        iif lo accept',
    '        ip saddr 127.0.0.0/8 drop',
    '        ip6 saddr ::1 drop',
    '        icmp type destination-unreachable accept',
    '        icmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert, packet-too-big, destination-unreachable } accept',
    '        udp sport 67 udp dport 68 accept',
    '        udp sport 547 udp dport 546 accept',
  ];
  const lines = ['table inet amphora_table {}', 'delete table inet amphora_table', 'table inet amphora_table {', '    chain amphora_chain {', ...base];
  if (rules.length > 0) lines.push(`        iifname ${vipInterface} goto amphora_vip_chain`);
  lines.push('    }');
  if (rules.length > 0) {
    lines.push('    chain amphora_vip_chain {', ...rules.map((r) => `        ${ruleLine(r)}`), '    }');
  }
  lines.push('}', '');
  return lines.join('\n');
}
