import { randomUUID } from 'node:crypto';
import { L7PolicyEntity, L7RuleEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { CONTROL_CHARS } from '../../validation/fields';

type Input = Record<string, unknown>;

const HEADER_NAME = /^[a-zA-Z0-9!#$%&'*+\-.^_`|~]+$/;
const COOKIE_VALUE = /^[a-zA-Z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]+$/;
const HEADER_VALUE = /^[a-zA-Z0-9!"#$%&'()*+,\-./:;<=>?@[\]^_`{|}~\\]+$/;
const QUOTED_HEADER_VALUE = /^"[a-zA-Z0-9 \t!"#$%&'()*+,\-./:;<=>?@[\]^_`{|}~\\]*"$/;
const DN_FIELD = /^([a-zA-Z][A-Za-z0-9-]*)$/;

const fail = (detail: string) => ApiFault.badRequest(`Error parsing L7Rule: ${detail}`);

/**
 * A regex for HAProxy must compile, and must not carry what would break out of its config token:
 * whitespace (HAProxy splits on it), quotes, `#` comments or control characters. Upstream still leaves
 * REGEX values open; we refuse these characters.
 */
function checkRegex(value: string): void {
  if (CONTROL_CHARS.test(value) || /[\s"'#]/.test(value)) throw fail('Invalid characters in comparison value');
  try {
    new RegExp(value);
  } catch (err) {
    throw fail(`Unable to parse regular expression: ${(err as Error).message}`);
  }
}

/** L7 rule content rules (spec 10.6) on the merged rule. */
export function checkL7Rule(r: Input): void {
  const type = r.type as string;
  const compare = r.compare_type as string;
  const key = r.key as string | null | undefined;
  const value = r.value as string | null | undefined;
  if (value === undefined || value === null || value === '') throw fail('Invalid L7 Rule: L7 rule type requires a value');
  if (CONTROL_CHARS.test(value) || (key && CONTROL_CHARS.test(key))) throw fail('Invalid characters in comparison value');
  // Stricter than upstream: `#` (HAProxy comment) and quotes never reach a config token, except the
  // double quotes that delimit a quoted HEADER value.
  if (key && /["'#]/.test(key)) throw fail('Invalid characters in key');
  const quotedHeader = type === 'HEADER' && compare !== 'REGEX' && QUOTED_HEADER_VALUE.test(value);
  if (/['#]/.test(value) || (!quotedHeader && /"/.test(value))) {
    throw fail(type === 'HEADER' ? 'Invalid characters in header value' : type === 'COOKIE' ? 'Invalid characters in cookie value' : 'Invalid characters in comparison value');
  }
  switch (type) {
    case 'HOST_NAME':
    case 'PATH':
    case 'FILE_TYPE':
      if (type === 'FILE_TYPE' && !['EQUAL_TO', 'REGEX'].includes(compare)) throw fail('Invalid L7 Rule: invalid comparison type for rule type');
      if (compare === 'REGEX') checkRegex(value);
      else if (!HEADER_VALUE.test(value) || /#/.test(value)) throw fail('Invalid characters in comparison value');
      break;
    case 'HEADER':
      if (!key) throw fail('Invalid L7 Rule: L7 rule type requires a key');
      if (!HEADER_NAME.test(key)) throw fail('Invalid characters in key');
      if (compare === 'REGEX') checkRegex(value);
      else if (!(HEADER_VALUE.test(value) || QUOTED_HEADER_VALUE.test(value)) || /\t/.test(value)) throw fail('Invalid characters in header value');
      else if (value.startsWith('"') && /(^"|[^\\])"./.test(value.slice(0, -1))) throw fail('Invalid characters in header value');
      break;
    case 'COOKIE':
      if (!key) throw fail('Invalid L7 Rule: L7 rule type requires a key');
      if (!HEADER_NAME.test(key)) throw fail('Invalid characters in key');
      if (compare === 'REGEX') checkRegex(value);
      else if (!COOKIE_VALUE.test(value)) throw fail('Invalid characters in cookie value');
      break;
    case 'SSL_CONN_HAS_CERT':
      if (key) throw fail(`Invalid L7 Rule: L7rule type ${type} does not use the "key" field.`);
      if (value.toLowerCase() !== 'true') throw fail(`Invalid L7 Rule: L7rule value ${value} is not a boolean True string.`);
      if (compare !== 'EQUAL_TO') throw fail(`Invalid L7 Rule: L7rule type ${type} only supports the EQUAL_TO compare type.`);
      break;
    case 'SSL_VERIFY_RESULT':
      if (key) throw fail(`Invalid L7 Rule: L7rule type ${type} does not use the "key" field.`);
      if (compare !== 'EQUAL_TO') throw fail(`Invalid L7 Rule: L7rule type ${type} only supports the EQUAL_TO compare type.`);
      if (!/^\d+$/.test(value)) throw fail('Invalid L7 Rule: L7rule type SSL_VERIFY_RESULT needs a int value, which is >= 0');
      break;
    case 'SSL_DN_FIELD':
      if (!key) throw fail('Invalid L7 Rule: L7rule type SSL_DN_FIELD needs to specify a key and a value.');
      if (!DN_FIELD.test(key)) throw fail('Invalid L7 Rule: Invalid L7rule distinguished name field.');
      if (compare === 'REGEX') checkRegex(value);
      else if (!HEADER_VALUE.test(value)) throw fail('Invalid characters in comparison value');
      break;
  }
}

export function newL7Rule(body: Input, policy: { id: string; projectId: string | null }): L7RuleEntity {
  checkL7Rule(body);
  const r = new L7RuleEntity();
  Object.assign(r, {
    id: randomUUID(),
    projectId: policy.projectId,
    l7policyId: policy.id,
    type: body.type,
    compareType: body.compare_type,
    key: (body.key as string) ?? null,
    value: body.value,
    invert: !!body.invert,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: 'OFFLINE',
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return r;
}

/**
 * Action/redirect normalisation (spec 9.6.2): a redirect target implies its action, and every field that
 * does not belong to the resulting action is cleared. Works on the merged (stored + body) state.
 */
export function normaliseL7Action(m: Input, present: Set<string>, isUpdate: boolean): void {
  if (isUpdate && present.size === 0) throw ApiFault.badRequest('Invalid L7 Policy arguments: Invalid update options');
  const pool = m.redirect_pool_id ?? m.redirect_pool;
  if (present.has('redirect_pool_id') && m.redirect_pool_id) m.action = 'REDIRECT_TO_POOL';
  else if (present.has('redirect_url') && m.redirect_url) m.action = 'REDIRECT_TO_URL';
  else if (present.has('redirect_prefix') && m.redirect_prefix) m.action = 'REDIRECT_PREFIX';
  if (pool && (m.redirect_url || m.redirect_prefix) && (present.has('redirect_url') || present.has('redirect_prefix')) && (present.has('redirect_pool_id') || present.has('redirect_pool'))) {
    throw ApiFault.badRequest('Invalid L7 Policy arguments: Cannot specify redirect_pool_id and redirect_url or redirect_prefix at the same time');
  }
  switch (m.action) {
    case undefined:
    case null:
      throw ApiFault.badRequest('Invalid L7 Policy action specified: None');
    case 'REJECT':
      Object.assign(m, { redirect_pool_id: null, redirect_url: null, redirect_prefix: null, redirect_http_code: null });
      break;
    case 'REDIRECT_TO_POOL':
      if (!pool) throw ApiFault.badRequest('Invalid L7 Policy arguments: redirect_pool_id or redirect_pool must not be None');
      Object.assign(m, { redirect_url: null, redirect_prefix: null, redirect_http_code: null });
      break;
    case 'REDIRECT_TO_URL':
      if (!m.redirect_url) throw ApiFault.badRequest('Invalid L7 Policy arguments: redirect_url must not be None');
      Object.assign(m, { redirect_pool_id: null, redirect_prefix: null, redirect_http_code: m.redirect_http_code ?? 302 });
      break;
    case 'REDIRECT_PREFIX':
      if (!m.redirect_prefix) throw ApiFault.badRequest('Invalid L7 Policy arguments: redirect_prefix must not be None');
      Object.assign(m, { redirect_pool_id: null, redirect_url: null, redirect_http_code: m.redirect_http_code ?? 302 });
      break;
  }
}

export function newL7Policy(body: Input, present: Set<string>, listener: { id: string; projectId: string | null }, position: number): L7PolicyEntity {
  normaliseL7Action(body, present, false);
  const p = new L7PolicyEntity();
  Object.assign(p, {
    id: randomUUID(),
    projectId: listener.projectId,
    listenerId: listener.id,
    name: (body.name as string) ?? null,
    description: (body.description as string) ?? null,
    action: body.action,
    redirectPoolId: (body.redirect_pool_id as string) ?? null,
    redirectUrl: (body.redirect_url as string) ?? null,
    redirectPrefix: (body.redirect_prefix as string) ?? null,
    redirectHttpCode: (body.redirect_http_code as number) ?? null,
    position,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: 'OFFLINE',
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return p;
}
