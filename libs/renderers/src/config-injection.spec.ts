import { haproxyCheck, keepalivedCheck } from '../test-support/binary-checks';
import { tokenizeHaproxyConfig } from '../test-support/haproxy-tokenizer';
import {
  HAPROXY_IGNORED_FIELDS,
  HAPROXY_RENDERED_FIELDS,
  INJECTED_DIRECTIVE,
  lvsModel,
  PAYLOADS,
  richModel,
  vrrpOptions,
} from '../test-support/injection-targets';
import { uid } from '../test-support/model-builders';
import { createTlsKit, type TlsKit } from '../test-support/tls-kit';
import { renderHaproxyConfig } from './haproxy-config.renderer';
import { renderKeepalivedLvsConfig, renderKeepalivedVrrpConfig } from './keepalived-config.renderer';
import type { RenderLoadBalancer } from './render-model';
import type { KeepalivedVrrpOptions } from './render-options';
import { RenderValidationError, type RenderWarning } from './render-validation.error';

/**
 * Every tenant-controlled string, with every payload: rendering either throws
 * RenderValidationError, or yields a config in which the payload stayed inside its own word
 * (no injected line, no extra word, no comment, no quote, no variable expansion) and which the
 * real haproxy/keepalived accept.
 */

type Outcome = { rejected: RenderValidationError } | { text: string; warnings: RenderWarning[] };

function attempt(render: (onWarning: (warning: RenderWarning) => void) => string): Outcome {
  const warnings: RenderWarning[] = [];
  try {
    return { text: render((warning) => warnings.push(warning)), warnings };
  } catch (error) {
    if (!(error instanceof RenderValidationError)) throw error;
    return { rejected: error };
  }
}

function expectCleanRejection(error: RenderValidationError): void {
  // The message quotes the value JSON-escaped: it can be logged without splitting log lines.
  expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(error.status).toBe(400);
}

/** Structural proof that a payload did not escape its word, using haproxy's own word rules. */
function expectNoHaproxyInjection(text: string): void {
  for (const [index, line] of text.split('\n').entries()) {
    expect(line.trimStart().startsWith(INJECTED_DIRECTIVE)).toBe(false);
    const tokens = tokenizeHaproxyConfig(line)[0];
    expect({ index, line, words: tokens.words.includes(':6666') }).toEqual({ index, line, words: false });
    expect(tokens.expandsEnvironment).toBe(false);
    expect(tokens.unterminatedQuote).toBe(false);
    // A comment may only be a whole line we wrote ourselves.
    if (line.includes('#') && !line.startsWith('# Configuration for loadbalancer')) {
      expect(line).not.toMatch(/(^|[^\\])#/);
    }
  }
}

/** For L7 values the decoded ACL pattern must be exactly what the tenant asked to match. */
function expectRoundTrip(field: string, payload: string, text: string): void {
  if (!field.startsWith('l7rule.value') || /SSL_(VERIFY_RESULT|CONN_HAS_CERT)/.test(field)) return;
  const acl = tokenizeHaproxyConfig(text).find((line) => line.words[0] === 'acl' && line.words[1] === uid('rule', 9));
  // Quoted header values (R3) are the API's way to allow spaces: the quotes are syntax, not content.
  const quotedForm = /^"[a-zA-Z0-9 \t!"#$%&'()*+,\-./:;<=>?@[\]^_`{|}~\\]*"$/;
  const stripsQuotes = !field.includes('REGEX') && !field.includes('COOKIE') && !field.includes('SSL_DN_FIELD');
  const expected = field.includes('(quoted)') ? payload : stripsQuotes && quotedForm.test(payload) ? payload.slice(1, -1) : payload;
  expect(acl?.words.at(-1)).toBe(expected);
  if (payload.startsWith('-')) expect(acl?.words.at(-2)).toBe('--');
}

describe('injection defence: haproxy.cfg', () => {
  let tls: TlsKit;
  const baseline = (): string => {
    const { lb, options } = richModel();
    return renderHaproxyConfig(lb, options);
  };

  beforeAll(() => {
    tls = createTlsKit();
  });

  it('the rich base model renders and passes haproxy -c', () => {
    const verdict = haproxyCheck(baseline(), { tls });
    expect(verdict.output).not.toMatch(/\[(WARNING|ALERT)\]/);
    expect(verdict.ok).toBe(true);
  });

  const renderedCases = Object.keys(HAPROXY_RENDERED_FIELDS).flatMap((field) =>
    Object.keys(PAYLOADS).map((payload) => [field, payload] as const),
  );

  it.each(renderedCases)('%s with %s payload: rejected, or escaped and valid', (field, payloadName) => {
    const payload = PAYLOADS[payloadName];
    const { lb, options } = richModel();
    HAPROXY_RENDERED_FIELDS[field](lb, payload);
    const outcome = attempt((onWarning) => renderHaproxyConfig(lb, { ...options, onWarning }));
    if ('rejected' in outcome) {
      expectCleanRejection(outcome.rejected);
      return;
    }
    expectNoHaproxyInjection(outcome.text);
    expectRoundTrip(field, payload, outcome.text);
    const verdict = haproxyCheck(outcome.text, { tls });
    expect({ ok: verdict.ok, alerts: verdict.output.match(/\[ALERT\].*/g) }).toEqual({ ok: true, alerts: null });
  });

  const ignoredCases = Object.keys(HAPROXY_IGNORED_FIELDS).flatMap((field) =>
    Object.keys(PAYLOADS).map((payload) => [field, payload] as const),
  );

  it.each(ignoredCases)('%s with %s payload never reaches the file', (field, payloadName) => {
    const { lb, options } = richModel();
    const unenforced = { ...options, enforceAllowedCidrs: false };
    const expected = renderHaproxyConfig(lb, unenforced);
    HAPROXY_IGNORED_FIELDS[field](lb, PAYLOADS[payloadName]);
    expect(renderHaproxyConfig(lb, unenforced)).toBe(expected);
  });

  it('stored invalid ciphers fall back to the operator default with a warning (upstream cad62902e)', () => {
    const { lb, options } = richModel();
    lb.listeners[1].tls_ciphers = `ECDHE-RSA-AES128-GCM-SHA256 crt /etc/octavia/certs/server.pem`;
    const warnings: RenderWarning[] = [];
    const text = renderHaproxyConfig(lb, { ...options, defaultListenerCiphers: 'DEFAULT-CIPHERS', onWarning: (w) => warnings.push(w) });
    expect(text).toContain(' ciphers DEFAULT-CIPHERS ');
    expect(text).not.toContain('/etc/octavia/certs/server.pem');
    expect(warnings).toEqual([expect.objectContaining({ field: expect.stringContaining('tls_ciphers') })]);
  });

  it('stored redirect URLs with spaces or controls skip the policy with a warning (upstream bad707462)', () => {
    const { lb, options } = richModel();
    lb.listeners[0].l7policies![1].redirect_url = 'https://example.com/ if TRUE\n    http-request return status 200 file /etc/shadow';
    const warnings: RenderWarning[] = [];
    const text = renderHaproxyConfig(lb, { ...options, onWarning: (w) => warnings.push(w) });
    expect(text).not.toContain('/etc/shadow');
    expect(text).not.toMatch(/^\s*redirect code 302 location/m);
    expect(text).not.toContain(`acl ${uid('rule', 2)} `);
    expect(warnings).toEqual([expect.objectContaining({ field: expect.stringContaining('redirect_url') })]);
  });

  it('a value that looks like an ACL flag is preceded by "--"', () => {
    const { lb, options } = richModel();
    lb.listeners[0].l7policies![0].rules = [
      { ...lb.listeners[0].l7policies![0].rules[0], compare_type: 'REGEX', value: '-f /etc/passwd' },
    ];
    expect(renderHaproxyConfig(lb, options)).toContain(`acl ${uid('rule', 1)} path -m reg -- -f\\ /etc/passwd\n`);
  });
});

describe('injection defence: keepalived', () => {
  type LvsMutator = (lb: RenderLoadBalancer, payload: string) => void;
  const pool = (lb: RenderLoadBalancer) => lb.listeners[0].default_pool!;
  const LVS_FIELDS: Record<string, LvsMutator> = {
    'healthmonitor.url_path': (lb, payload) => {
      pool(lb).healthmonitor!.url_path = `/${payload}`;
    },
    'healthmonitor.expected_codes': (lb, payload) => {
      pool(lb).healthmonitor!.expected_codes = `200${payload}`;
    },
    'session_persistence.persistence_granularity': (lb, payload) => {
      pool(lb).session_persistence!.persistence_granularity = payload;
    },
    'member.address': (lb, payload) => {
      pool(lb).members[0].address = `192.0.2.71${payload}`;
    },
    'member.monitor_address': (lb, payload) => {
      pool(lb).members[0].monitor_address = payload;
    },
  };
  const listenerId = uid('listener', 7);
  const baselineLines = renderKeepalivedLvsConfig(lvsModel(), listenerId).split('\n').length;

  const lvsCases = Object.keys(LVS_FIELDS).flatMap((field) => Object.keys(PAYLOADS).map((payload) => [field, payload] as const));

  it.each(lvsCases)('LVS %s with %s payload: rejected, or unchanged in shape and valid', (field, payloadName) => {
    const lb = lvsModel();
    LVS_FIELDS[field](lb, PAYLOADS[payloadName]);
    const outcome = attempt(() => renderKeepalivedLvsConfig(lb, listenerId));
    if ('rejected' in outcome) {
      expectCleanRejection(outcome.rejected);
      return;
    }
    expect(outcome.text.split('\n').length).toBe(baselineLines);
    expect(outcome.text).not.toMatch(/^\s*bind :6666/m);
    expect(keepalivedCheck(outcome.text)).toEqual({ ok: true, status: 0, output: '' });
  });

  it('names, descriptions and tags never reach the LVS config', () => {
    const lb = lvsModel();
    for (const object of [lb, lb.listeners[0], pool(lb), ...pool(lb).members, pool(lb).healthmonitor!]) {
      object.name = PAYLOADS.newline;
      object.tags = [PAYLOADS.newline];
    }
    expect(renderKeepalivedLvsConfig(lb, listenerId)).toBe(renderKeepalivedLvsConfig(lvsModel(), listenerId));
  });

  type VrrpMutator = (options: KeepalivedVrrpOptions, payload: string) => void;
  const VRRP_FIELDS: Record<string, VrrpMutator> = {
    'amphora.vrrp_interface': (options, payload) => {
      options.amphora.vrrp_interface = `eth1${payload}`;
    },
    'vrrpGroup.auth_pass': (options, payload) => {
      options.vrrpGroup.auth_pass = `a1${payload}`;
    },
    'peers[].vrrp_ip': (options, payload) => {
      options.peers[1].vrrp_ip = `10.0.0.6${payload}`;
    },
    'vipNetworks[].subnet_cidr': (options, payload) => {
      options.vipNetworks[0].subnet_cidr = `203.0.113.0/24${payload}`;
    },
    'vrrpGroup.name': (options, payload) => {
      options.vrrpGroup.name = payload;
    },
  };
  const vrrpCases = Object.keys(VRRP_FIELDS).flatMap((field) => Object.keys(PAYLOADS).map((payload) => [field, payload] as const));

  it.each(vrrpCases)('VRRP %s with %s payload is rejected', (field, payloadName) => {
    const options = vrrpOptions();
    VRRP_FIELDS[field](options, PAYLOADS[payloadName]);
    const outcome = attempt(() => renderKeepalivedVrrpConfig(lvsModel(), options));
    expect('rejected' in outcome).toBe(true);
    if ('rejected' in outcome) expectCleanRejection(outcome.rejected);
  });
});
