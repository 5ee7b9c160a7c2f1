import { assertMaxLength, assertNoControlChars, escapeHaproxyWord } from '../config-escaping';
import {
  isValidRedirectUrl,
  validateDnField,
  validateRegex,
  validateHttpTokenArgument,
  validateUuid,
} from '../field-validators';
import { isEnabled, liveRules, livePolicies, resolveRedirectPool } from '../model-resolution';
import type { L7CompareType, L7RuleType, RenderL7Policy, RenderL7Rule, RenderListener } from '../render-model';
import { previewValue, RenderValidationError } from '../render-validation.error';
import type { HaproxyRenderContext } from './haproxy-context';
import { backendName } from './haproxy-naming';

/** L7 policies become ACL lines (one per rule, ANDed) and one action line per policy. */

const MATCHER: Record<L7CompareType, string> = {
  REGEX: '-m reg',
  STARTS_WITH: '-m beg',
  ENDS_WITH: '-m end',
  CONTAINS: '-m sub',
  EQUAL_TO: '-m str',
};

const EQUAL_TO_ONLY: readonly L7RuleType[] = ['SSL_CONN_HAS_CERT', 'SSL_VERIFY_RESULT'];
const REDIRECT_CODES: readonly number[] = [301, 302, 303, 307, 308];

// API content patterns (octavia/common/constants.py).
const HEADER_VALUE_RE = /^[a-zA-Z0-9!"#$%&'()*+,\-./:;<=>?@[\]^_`{|}~\\]+$/;
const QUOTED_HEADER_VALUE_RE = /^"[a-zA-Z0-9 \t!"#$%&'()*+,\-./:;<=>?@[\]^_`{|}~\\]*"$/;
const COOKIE_VALUE_RE = /^[a-zA-Z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]+$/;

/**
 * The literal string haproxy must compare against, after re-validating the API's content rules.
 * A double-quoted header value (R3) is the API's way of allowing spaces; upstream relies on
 * haproxy stripping those quotes, so we strip them and escape the inside instead.
 */
function comparisonValue(rule: RenderL7Rule, field: string): string {
  const { value, type, compare_type: compare } = rule;
  if (typeof value !== 'string') throw new RenderValidationError(field, 'is required');
  assertMaxLength(value, 255, field);
  const quoted = QUOTED_HEADER_VALUE_RE.test(value);
  assertNoControlChars(value, field, { allowTab: compare === 'REGEX' || quoted });
  if (compare === 'REGEX') return validateRegex(value, field);
  switch (type) {
    case 'HOST_NAME':
    case 'PATH':
    case 'FILE_TYPE':
    case 'HEADER':
      if (quoted) return value.slice(1, -1);
      if (!HEADER_VALUE_RE.test(value)) throw new RenderValidationError(field, `${previewValue(value)} has characters not allowed in a header value`);
      return value;
    case 'COOKIE':
      if (!COOKIE_VALUE_RE.test(value)) throw new RenderValidationError(field, `${previewValue(value)} has characters not allowed in a cookie value`);
      return value;
    case 'SSL_VERIFY_RESULT':
      if (!/^\d{1,10}$/.test(value)) throw new RenderValidationError(field, `${previewValue(value)} is not a non-negative integer`);
      return value;
    case 'SSL_CONN_HAS_CERT':
      if (value.toLowerCase() !== 'true') throw new RenderValidationError(field, `${previewValue(value)} is not "true"`);
      return value;
    case 'SSL_DN_FIELD':
      return value;
    default:
      throw new RenderValidationError(`${field}`, `unknown rule type ${previewValue(type)}`);
  }
}

/**
 * Pattern word(s): `--` first when the pattern could be read as an ACL flag such as `-f <file>`.
 * Tabs were already vetted by comparisonValue (only quoted header values and regexes keep one).
 */
function patternWords(value: string, field: string): string {
  if (value === '') return '""';
  const word = escapeHaproxyWord(value, field, { allowTab: true });
  return value.startsWith('-') ? `-- ${word}` : word;
}

function aclLine(rule: RenderL7Rule, where: string): string {
  const id = validateUuid(rule.id, `${where}.id`);
  const field = `${where}.value`;
  const compare = rule.compare_type;
  if (!MATCHER[compare]) throw new RenderValidationError(`${where}.compare_type`, `unknown compare type ${previewValue(compare)}`);
  if (EQUAL_TO_ONLY.includes(rule.type) && compare !== 'EQUAL_TO') {
    throw new RenderValidationError(`${where}.compare_type`, `${rule.type} rules only support EQUAL_TO`);
  }
  if (rule.type === 'FILE_TYPE' && compare !== 'EQUAL_TO' && compare !== 'REGEX') {
    throw new RenderValidationError(`${where}.compare_type`, 'FILE_TYPE rules only support EQUAL_TO and REGEX');
  }
  const value = comparisonValue(rule, field);
  const pattern = (): string => patternWords(value, field);
  const matcher = MATCHER[compare];
  switch (rule.type) {
    case 'HOST_NAME':
      return `acl ${id} req.hdr(host) -i ${matcher} ${pattern()}`;
    case 'PATH':
      return `acl ${id} path ${matcher} ${pattern()}`;
    case 'FILE_TYPE':
      // `path_end -m str` does not work in haproxy (haproxy#2567); path_end alone is the equality.
      return compare === 'EQUAL_TO' ? `acl ${id} path_end ${pattern()}` : `acl ${id} path_end ${matcher} ${pattern()}`;
    case 'HEADER':
      return `acl ${id} req.hdr(${escapeHaproxyWord(validateHttpTokenArgument(rule.key, `${where}.key`), `${where}.key`)}) ${matcher} ${pattern()}`;
    case 'COOKIE':
      return `acl ${id} req.cook(${escapeHaproxyWord(validateHttpTokenArgument(rule.key, `${where}.key`), `${where}.key`)}) ${matcher} ${pattern()}`;
    case 'SSL_CONN_HAS_CERT':
      return `acl ${id} ssl_c_used`;
    case 'SSL_VERIFY_RESULT':
      return `acl ${id} ssl_c_verify eq ${Number(value)}`;
    case 'SSL_DN_FIELD':
      return `acl ${id} ssl_c_s_dn(${validateDnField(rule.key, `${where}.key`)}) ${matcher} ${pattern()}`;
  }
}

function redirectCode(policy: RenderL7Policy, where: string): string {
  const code = policy.redirect_http_code;
  if (code == null) return '';
  if (!REDIRECT_CODES.includes(Number(code)) || !Number.isInteger(code)) {
    throw new RenderValidationError(`${where}.redirect_http_code`, `${previewValue(code)} is not one of ${REDIRECT_CODES.join(', ')}`);
  }
  return ` code ${code}`;
}

/**
 * A stored redirect target with control characters or spaces (accepted before upstream
 * bad707462) is not rendered. Upstream renders the word "None" instead; we skip the policy.
 */
function redirectTarget(value: string | null | undefined, where: string, ctx: HaproxyRenderContext): string | null {
  if (typeof value === 'string' && isValidRedirectUrl(value)) return escapeHaproxyWord(value, where);
  ctx.warn(where, 'missing or invalid redirect target; the policy is skipped');
  return null;
}

/** What a policy contributes besides its ACLs. */
type PolicyAction =
  | { kind: 'line'; line: string }
  /** Target pool disabled or gone: upstream still declares the ACLs, with no action. */
  | { kind: 'aclsOnly' }
  /** Invalid stored redirect target: nothing of the policy is rendered. */
  | { kind: 'skip' };

function actionLine(
  policy: RenderL7Policy,
  listener: RenderListener,
  conditions: string,
  where: string,
  ctx: HaproxyRenderContext,
): PolicyAction {
  const line = (text: string): PolicyAction => ({ kind: 'line', line: text });
  switch (policy.action) {
    case 'REJECT':
      return line(`http-request deny if ${conditions}`);
    case 'REDIRECT_TO_URL': {
      const target = redirectTarget(policy.redirect_url, `${where}.redirect_url`, ctx);
      return target ? line(`redirect${redirectCode(policy, where)} location ${target} if ${conditions}`) : { kind: 'skip' };
    }
    case 'REDIRECT_PREFIX': {
      const target = redirectTarget(policy.redirect_prefix, `${where}.redirect_prefix`, ctx);
      return target ? line(`redirect${redirectCode(policy, where)} prefix ${target} if ${conditions}`) : { kind: 'skip' };
    }
    case 'REDIRECT_TO_POOL': {
      const pool = resolveRedirectPool(ctx.lb, policy);
      if (!pool || !isEnabled(pool)) return { kind: 'aclsOnly' };
      return line(`use_backend ${backendName(validateUuid(pool.id, `${where}.redirect_pool.id`), listener.id)} if ${conditions}`);
    }
    default:
      throw new RenderValidationError(`${where}.action`, `unknown action ${previewValue(policy.action)}`);
  }
}

/**
 * haproxy runs `http-request` rules, then `redirect` rules, then `use_backend` rules, whatever
 * their order in the file; Octavia documents exactly that precedence (REJECT, then redirects,
 * then REDIRECT_TO_POOL, each class in position order). Upstream interleaves the lines per
 * policy and haproxy warns that it reorders them; we emit all ACLs first (they must precede
 * their use) and then the actions class by class, which is the same behaviour stated plainly.
 */
const ACTION_CLASS: Record<RenderL7Policy['action'], number> = {
  REJECT: 0,
  REDIRECT_TO_URL: 1,
  REDIRECT_PREFIX: 1,
  REDIRECT_TO_POOL: 2,
};

/** Frontend lines for the listener's L7 policies. */
export function l7PolicyLines(listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  const policies = livePolicies(listener).filter(isEnabled);
  if (policies.length === 0) return [];
  if (listener.protocol !== 'HTTP' && listener.protocol !== 'TERMINATED_HTTPS') {
    ctx.warn(`listener ${listener.id}.l7policies`, `L7 policies are ignored on ${listener.protocol} listeners`);
    return [];
  }
  const acls: string[] = [];
  const actions: Array<{ rank: number; line: string }> = [];
  for (const policy of policies) {
    const where = `listener ${listener.id}/l7policy ${validateUuid(policy.id, `listener ${listener.id}/l7policy.id`)}`;
    const rules = liveRules(policy).filter(isEnabled);
    if (rules.length === 0) continue;
    const ruleAcls = rules.map((rule) => `        ${aclLine(rule, `${where}/rule ${rule.id}`)}`);
    const conditions = rules.map((rule) => `${rule.invert ? '!' : ''}${rule.id}`).join(' ');
    const action = actionLine(policy, listener, conditions, where, ctx);
    if (action.kind === 'skip') continue;
    acls.push(...ruleAcls);
    if (action.kind === 'line') actions.push({ rank: ACTION_CLASS[policy.action], line: `    ${action.line}` });
  }
  // Array.prototype.sort is stable, so position order survives inside each class.
  return [...acls, ...actions.sort((a, b) => a.rank - b.rank).map(({ line }) => line)];
}
