import { tokenizeHaproxyLine } from '../test-support/haproxy-tokenizer';
import { assertKeepalivedToken, escapeHaproxyLogFormatText, escapeHaproxyWord } from './config-escaping';
import { RenderValidationError } from './render-validation.error';

describe('escapeHaproxyWord', () => {
  const survivors = [
    'plain',
    'with space',
    'two  spaces',
    'hash#inside',
    '#leading',
    "single'quote",
    'double"quote',
    '"fully quoted"',
    'back\\slash',
    'trailing\\',
    '\\n literal backslash-n',
    '\\x0a literal hex escape',
    '${HOME} and $HOME',
    '-f /etc/passwd',
    'tab\there',
    '%[req.hdr(host)] %{+Q}r',
    'ünïcødé ✓',
    'a'.repeat(300),
  ];

  it.each(survivors)('%j reaches haproxy as exactly one identical word', (value) => {
    const escaped = escapeHaproxyWord(value, 'test', { allowTab: true });
    expect(tokenizeHaproxyLine(`acl x path -m str ${escaped}`).words).toEqual(['acl', 'x', 'path', '-m', 'str', value]);
  });

  it('round-trips every printable ASCII character and pair of them', () => {
    const printable = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index));
    for (const a of printable) {
      for (const b of printable) {
        const value = `${a}${b}`;
        expect(tokenizeHaproxyLine(`w ${escapeHaproxyWord(value, 'test')}`).words).toEqual(['w', value]);
      }
    }
  });

  it.each([
    ['newline', 'a\nb'],
    ['carriage return', 'a\rb'],
    ['NUL', 'a\u0000b'],
    ['vertical tab', 'a\u000bb'],
    ['form feed', 'a\u000cb'],
    ['escape', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['C1 next line', 'a\u0085b'],
    ['line separator', 'a\u2028b'],
    ['paragraph separator', 'a\u2029b'],
  ])('rejects %s', (_, value) => {
    expect(() => escapeHaproxyWord(value, 'field')).toThrow(RenderValidationError);
  });

  it('rejects a tab unless the field allows one', () => {
    expect(() => escapeHaproxyWord('a\tb', 'field')).toThrow(/control character/);
    expect(escapeHaproxyWord('a\tb', 'field', { allowTab: true })).toBe('a\\tb');
  });

  it('rejects an empty value, which would let the next keyword take its place', () => {
    expect(() => escapeHaproxyWord('', 'field')).toThrow(/empty/);
  });

  it('names the field and shows the value JSON-escaped in the error', () => {
    expect(() => escapeHaproxyWord('x\n    bind :6666', 'listener 1/rule 2.value')).toThrow(
      'Cannot render listener 1/rule 2.value: value "x\\n    bind :6666" contains a control character',
    );
  });
});

describe('escapeHaproxyLogFormatText', () => {
  it('doubles % so tenant text cannot add log variables', () => {
    expect(escapeHaproxyLogFormatText('p%[req.hdr(authorization)]', 'project')).toBe('p%%[req.hdr(authorization)]');
  });
});

describe('assertKeepalivedToken', () => {
  it.each(['10.0.0.1', '/var/lib/octavia/lvs/check/udp_check.sh', 'eth1', '2001:db8::1'])('accepts %s', (value) => {
    expect(assertKeepalivedToken(value, 'field')).toBe(value);
  });

  it.each(['a b', 'a"b', '#comment', '!comment', 'a{', 'a}', 'a\\b', '', 'a\nb'])('rejects %j', (value) => {
    expect(() => assertKeepalivedToken(value, 'field')).toThrow(RenderValidationError);
  });
});
