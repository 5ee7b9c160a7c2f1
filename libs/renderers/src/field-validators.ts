import { isIP } from 'node:net';

import { assertMaxLength, assertNoControlChars } from './config-escaping';
import type { AlpnProtocol, HttpMethod, TlsVersion } from './render-model';
import { previewValue, RenderValidationError } from './render-validation.error';

/**
 * Render-time re-validation of every value that reaches a config file. The API validates the
 * same fields, but rows stored by older API versions (or written around the API) must not be
 * trusted: see the upstream fixes for tls_ciphers and redirect URLs. Patterns are upstream's
 * (`octavia/common/constants.py`, `validate.py`) unless a comment says we are stricter.
 */

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const CIPHER_STRING_RE = /^[A-Za-z0-9\-+!:@=_.]+$/;
const INVALID_URL_CHARS_RE = /[\u0000-\u0020\u007f-\u009f]/;
/** RFC 3986 path (pchar and "/") plus an optional query, always absolute. */
const URL_PATH_RE = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/;
const EXPECTED_CODES_RE = /^(\d{3}(\s*,\s*\d{3})*)$|^(\d{3}-\d{3})$/;
const DOMAIN_NAME_RE = /^(?=.{1,253}\.?$)(?:(?!-|[^.]+_)[A-Za-z0-9-_]{1,63}(?<!-)(?:\.|$))+$/;
/** HTTP token (R5). */
const HTTP_TOKEN_RE = /^[a-zA-Z0-9!#$%&'*+\-.^_`|~]+$/;
const DN_FIELD_RE = /^[a-zA-Z][A-Za-z0-9-]*$/;
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'OPTIONS', 'CONNECT', 'PATCH'];
export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const ALPN_PROTOCOLS: readonly AlpnProtocol[] = ['h2', 'http/1.1', 'http/1.0'];

function fail(field: string, value: unknown, why: string): never {
  throw new RenderValidationError(field, `value ${previewValue(value)} ${why}`);
}

/** Object ids become proxy, server and ACL names; they must be the server-generated UUIDs. */
export function validateUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID_RE.test(value)) fail(field, value, 'is not a UUID');
  return value;
}

export function validateIpAddress(value: unknown, field: string): string {
  // A zone index ("%eth0") is legal for Node but meaningless across the amphora's namespaces.
  if (typeof value !== 'string' || value.includes('%') || isIP(value) === 0) fail(field, value, 'is not an IP address');
  return value;
}

export function ipVersion(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}

export function validateCidr(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, value, 'is not a CIDR');
  const [address, prefix, extra] = value.split('/');
  const family = isIP(address ?? '');
  if (extra !== undefined || family === 0 || address.includes('%') || !/^\d{1,3}$/.test(prefix ?? '')) {
    fail(field, value, 'is not a CIDR (address/prefix)');
  }
  if (Number(prefix) > (family === 6 ? 128 : 32)) fail(field, value, 'has a prefix length out of range');
  return value;
}

export function validateInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, value, `is not an integer between ${min} and ${max}`);
  }
  return value;
}

export function validatePort(value: unknown, field: string): number {
  return validateInteger(value, field, 1, 65535);
}

export function validateCipherString(value: string, field: string): boolean {
  return value.length <= 2048 && CIPHER_STRING_RE.test(value);
}

/** Upstream `validate.url` for redirect targets: no controls/spaces, http(s) scheme, a host. */
export function isValidRedirectUrl(value: string): boolean {
  if (value.length === 0 || value.length > 2048 || INVALID_URL_CHARS_RE.test(value)) return false;
  if (/[\u2028\u2029]/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
}

export function validateUrlPath(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, value, 'is not a URL path');
  assertNoControlChars(value, field);
  assertMaxLength(value, 2048, field);
  if (!URL_PATH_RE.test(value)) fail(field, value, 'is not an absolute URL path without whitespace');
  return value;
}

export function validateHttpMethod(value: unknown, field: string): HttpMethod {
  if (!HTTP_METHODS.includes(value as HttpMethod)) fail(field, value, `is not one of ${HTTP_METHODS.join(', ')}`);
  return value as HttpMethod;
}

/** `"200"`, `"200, 202"` or `"200-204"` expanded to a sorted list of codes. */
export function expandExpectedCodes(value: unknown, field: string): string[] {
  if (typeof value !== 'string' || !EXPECTED_CODES_RE.test(value)) {
    fail(field, value, 'is not a list of HTTP status codes or a single NNN-NNN range');
  }
  const codes = new Set<number>();
  for (const part of value.split(',')) {
    const [low, high] = part.trim().split('-').map(Number);
    const last = high ?? low;
    if (last < low) fail(field, value, 'has a range whose end is below its start');
    for (let code = low; code <= last; code += 1) codes.add(code);
  }
  return [...codes].sort((a, b) => a - b).map(String);
}

export function validateHttpVersion(value: unknown, field: string): '1.0' | '1.1' {
  const text = typeof value === 'number' ? value.toFixed(1) : value;
  if (text !== '1.0' && text !== '1.1') fail(field, value, 'is not 1.0 or 1.1');
  return text;
}

export function validateDomainName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 255 || !DOMAIN_NAME_RE.test(value)) {
    fail(field, value, 'is not a DNS name');
  }
  return value;
}

/**
 * Header and cookie names that end up as sample-fetch arguments (`req.hdr(<name>)`). Stricter
 * than the API's R5: HAProxy's argument parser takes `'` as a quote, so it is rejected.
 */
export function validateHttpTokenArgument(value: unknown, field: string, max = 255): string {
  if (typeof value !== 'string') fail(field, value, 'is not a string');
  assertNoControlChars(value, field);
  assertMaxLength(value, max, field);
  if (!HTTP_TOKEN_RE.test(value) || value.includes("'")) {
    fail(field, value, "is not an HTTP token (letters, digits and !#$%&*+-.^_`|~)");
  }
  return value;
}

export function validateDnField(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 255 || !DN_FIELD_RE.test(value)) {
    fail(field, value, 'is not a distinguished-name field name');
  }
  return value;
}

export function validateTlsVersions(value: readonly string[], field: string): TlsVersion[] {
  for (const version of value) {
    if (!TLS_VERSIONS.includes(version as TlsVersion)) fail(field, version, `is not one of ${TLS_VERSIONS.join(', ')}`);
  }
  return value as TlsVersion[];
}

export function validateAlpnProtocols(value: readonly string[], field: string): AlpnProtocol[] {
  if (value.length === 0) fail(field, '', 'is an empty ALPN list');
  for (const protocol of value) {
    if (!ALPN_PROTOCOLS.includes(protocol as AlpnProtocol)) {
      fail(field, protocol, `is not one of ${ALPN_PROTOCOLS.join(', ')}`);
    }
  }
  return value as AlpnProtocol[];
}

/**
 * L7 REGEX values: the API compiles them with Python's `re`; haproxy uses PCRE2. A pattern that
 * does not compile makes `haproxy -c` reject the whole load balancer, so we re-check with the
 * JavaScript engine after mapping the common Python/PCRE-only syntax onto it (named groups,
 * inline flags, atomic groups, possessive quantifiers, \A \Z \z anchors). Patterns using rarer
 * PCRE-only syntax may be refused here although PCRE would accept them.
 */
export function validateRegex(value: string, field: string): string {
  const jsEquivalent = value
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\(\?[aiLmsux]+\)/g, '')
    .replace(/\(\?[aiLmsux]*-?[imsx]*:/g, '(?:')
    .replace(/\(\?>/g, '(?:')
    .replace(/([*+?}])\+/g, '$1')
    .replace(/\\[AZz]/g, (anchor) => (anchor === '\\A' ? '^' : '$'));
  try {
    new RegExp(jsEquivalent);
  } catch (error) {
    throw new RenderValidationError(field, `${previewValue(value)} is not a valid regular expression (${(error as Error).message})`);
  }
  return value;
}

/** Absolute file paths chosen by the controller (certificates, sockets, scripts). */
export function validateFilePath(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._+/-]*$/.test(value) || value.length > 1024) {
    fail(field, value, 'is not an absolute path made of letters, digits and ._+/-');
  }
  return value;
}
