import { previewValue, RenderValidationError } from './render-validation.error';

/**
 * Escaping for the two config languages we emit. Both are line-oriented and split words on
 * whitespace, so the first rule everywhere is: no byte may end a line or a word unless we put
 * it there. Control characters are rejected outright (never escaped), because an escaped
 * newline would still be a newline inside a header or regex at runtime.
 */

/** C0 controls except TAB, DEL, C1 controls, and the Unicode line/paragraph separators. */
const FORBIDDEN_CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;
const TAB_RE = /\t/;

export interface ControlCharPolicy {
  /** TAB is allowed only where the API allows it (quoted L7 header values); it is then escaped. */
  allowTab?: boolean;
}

export function assertNoControlChars(value: string, field: string, policy: ControlCharPolicy = {}): void {
  if (FORBIDDEN_CONTROL_RE.test(value) || (!policy.allowTab && TAB_RE.test(value))) {
    throw new RenderValidationError(
      field,
      `value ${previewValue(value)} contains a control character (newline, carriage return, NUL, tab or similar); such values can never be rendered`,
    );
  }
}

export function assertMaxLength(value: string, max: number, field: string): void {
  if (value.length > max) {
    throw new RenderValidationError(field, `value is ${value.length} characters long; at most ${max} are allowed`);
  }
}

/**
 * Turns any string into exactly one HAProxy configuration word with the same bytes after
 * HAProxy's tokenizer has run (see "Quoting and escaping" in the HAProxy configuration manual).
 * Outside quotes the tokenizer treats space/TAB as separators, `#` as a comment, `'`/`"` as
 * quote delimiters and `\` as an escape; everything else is literal (`$` expands only inside
 * double quotes, which we never open). So backslash-escaping those five characters is complete.
 */
export function escapeHaproxyWord(value: string, field: string, policy: ControlCharPolicy = {}): string {
  if (value.length === 0) {
    throw new RenderValidationError(field, 'value is empty; HAProxy would read the next keyword in its place');
  }
  assertNoControlChars(value, field, policy);
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '\\':
      case ' ':
      case '#':
      case "'":
      case '"':
        out += `\\${ch}`;
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/**
 * Text placed inside an HAProxy log-format string: `%` starts a variable there, so it is
 * doubled, then the result is made a single config word.
 */
export function escapeHaproxyLogFormatText(value: string, field: string): string {
  assertNoControlChars(value, field);
  return value.replace(/%/g, '%%');
}

/**
 * keepalived splits words on whitespace, treats `"` as a string delimiter, and `#`/`!` at the
 * start of a word as a comment. We only ever emit keepalived values that are tokens by
 * construction (IPs, integers, paths, interface names), so this asserts instead of escaping.
 */
export function assertKeepalivedToken(value: string, field: string): string {
  assertNoControlChars(value, field);
  if (value.length === 0 || /[\s"'\\{}]/.test(value) || /^[#!]/.test(value)) {
    throw new RenderValidationError(field, `value ${previewValue(value)} is not a single keepalived word`);
  }
  return value;
}
