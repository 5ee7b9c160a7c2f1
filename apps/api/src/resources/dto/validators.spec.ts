import { coerceBool, coerceInt } from '../../validation/fields';
import { isRedirectUrl, isUrlPath, normaliseCidr } from './validators';

describe('input validators', () => {
  it('normalises CIDRs to their network address like upstream', () => {
    expect(normaliseCidr('192.0.2.1/24')).toBe('192.0.2.0/24');
    expect(normaliseCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normaliseCidr('2001:db8::1/64')).toBe('2001:db8::/64');
    expect(normaliseCidr('192.0.2.1/33')).toBeUndefined();
    expect(normaliseCidr('192.0.2.1/24\nbind :1')).toBeUndefined();
    expect(normaliseCidr('nonsense')).toBeUndefined();
  });

  it('coerces booleans and integers as WSME does', () => {
    expect(coerceBool('yes')).toBe(true);
    expect(coerceBool('off')).toBe(false);
    expect(coerceBool('True')).toBe('True');
    expect(coerceInt('443')).toBe(443);
    expect(coerceInt(1.9)).toBe(1);
    expect(coerceInt('4x')).toBe('4x');
  });

  it('accepts only clean absolute redirect URLs and URL paths', () => {
    expect(isRedirectUrl('https://example.com/a?b=c')).toBe(true);
    expect(isRedirectUrl('ftp://example.com')).toBe(false);
    expect(isRedirectUrl('http://example.com/\r\nhttp-request deny')).toBe(false);
    expect(isRedirectUrl('http://example.com/ x')).toBe(false);
    expect(isRedirectUrl('http://example.com/"x')).toBe(false);
    expect(isUrlPath('/health')).toBe(true);
    expect(isUrlPath('/a b')).toBe(false);
    expect(isUrlPath('http://x/')).toBe(false);
    expect(isUrlPath('/x#y')).toBe(false);
  });
});
