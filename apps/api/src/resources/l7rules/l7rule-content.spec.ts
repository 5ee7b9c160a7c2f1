import { ApiFault } from '../../common/api-fault';
import { checkL7Rule } from '../rules/l7.rules';

/** The L7 rule content rules (spec 10.6) plus our refusal of config-breaking characters. */
function reason(rule: Record<string, unknown>): string | null {
  try {
    checkL7Rule(rule);
    return null;
  } catch (err) {
    if (err instanceof ApiFault && err.status === 400) return err.message;
    throw err;
  }
}

describe('checkL7Rule', () => {
  const ok = (r: Record<string, unknown>) => expect(reason(r)).toBeNull();

  it('accepts upstream-valid rules of every type', () => {
    ok({ type: 'HOST_NAME', compare_type: 'ENDS_WITH', value: '.example.com' });
    ok({ type: 'PATH', compare_type: 'REGEX', value: '^/api/v[0-9]+$' });
    ok({ type: 'FILE_TYPE', compare_type: 'EQUAL_TO', value: 'png' });
    ok({ type: 'HEADER', compare_type: 'CONTAINS', key: 'X-Env', value: 'prod' });
    ok({ type: 'HEADER', compare_type: 'EQUAL_TO', key: 'User-Agent', value: '"curl 8.0"' });
    ok({ type: 'COOKIE', compare_type: 'EQUAL_TO', key: 'sid', value: 'a=b/c' });
    ok({ type: 'SSL_CONN_HAS_CERT', compare_type: 'EQUAL_TO', value: 'True' });
    ok({ type: 'SSL_VERIFY_RESULT', compare_type: 'EQUAL_TO', value: '10' });
    ok({ type: 'SSL_DN_FIELD', compare_type: 'STARTS_WITH', key: 'OU', value: 'ops' });
  });

  it('refuses `#`, quotes and control characters in keys and values', () => {
    const fails = [
      { type: 'PATH', compare_type: 'EQUAL_TO', value: '/a#b' },
      { type: 'PATH', compare_type: 'EQUAL_TO', value: "/a'b" },
      { type: 'PATH', compare_type: 'EQUAL_TO', value: '/a"b' },
      { type: 'PATH', compare_type: 'EQUAL_TO', value: '/a\nb' },
      { type: 'HOST_NAME', compare_type: 'EQUAL_TO', value: 'a\u0000.example' },
      { type: 'PATH', compare_type: 'REGEX', value: '^/a b' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X#', value: 'v' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: "X'", value: 'v' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X', value: 'a"b' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X', value: '"a"b"' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X', value: '"a # b"' },
      { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X', value: '"a\tb"' },
      { type: 'HEADER', compare_type: 'REGEX', key: 'X', value: '"quoted"' },
      { type: 'COOKIE', compare_type: 'EQUAL_TO', key: 'c', value: "it's" },
      { type: 'SSL_DN_FIELD', compare_type: 'EQUAL_TO', key: 'CN', value: 'a#' },
    ];
    for (const f of fails) expect([f, reason(f)]).toEqual([f, expect.stringMatching(/^Error parsing L7Rule: Invalid characters in (comparison value|header value|cookie value|key)$/)]);
  });

  it('keeps upstream messages for the semantic checks', () => {
    expect(reason({ type: 'COOKIE', compare_type: 'EQUAL_TO', value: 'v' })).toBe('Error parsing L7Rule: Invalid L7 Rule: L7 rule type requires a key');
    expect(reason({ type: 'FILE_TYPE', compare_type: 'STARTS_WITH', value: 'v' })).toBe('Error parsing L7Rule: Invalid L7 Rule: invalid comparison type for rule type');
    expect(reason({ type: 'PATH', compare_type: 'EQUAL_TO', value: null })).toBe('Error parsing L7Rule: Invalid L7 Rule: L7 rule type requires a value');
  });
});
