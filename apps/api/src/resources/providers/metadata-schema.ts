/**
 * Provider-side checks of flavor and availability-zone metadata. Upstream validates the JSON with a
 * JSON schema per provider and returns the schema library's message in a 501; these checks produce the
 * same message forms (values shown as Python reprs), for the few constructs the provider schemas use.
 */
export interface MetadataProperty {
  type: 'string' | 'boolean' | 'array';
  description: string;
  enum?: readonly string[];
  /** Stricter than upstream: strings (and array items) must be short and free of control characters. */
  maxLength?: number;
}

export type MetadataSchema = Record<string, MetadataProperty>;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Python's repr() of a JSON value, as jsonschema messages show it. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = [...v].map((c) => {
      if (c === '\\') return '\\\\';
      if (c === quote) return `\\${c}`;
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      const code = c.charCodeAt(0);
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return c;
    }).join('');
    return quote + body + quote;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

function checkValue(prop: MetadataProperty, value: unknown): string | null {
  const typeOk = prop.type === 'array' ? Array.isArray(value) : typeof value === prop.type;
  if (!typeOk) return `${pyRepr(value)} is not of type '${prop.type}'`;
  if (prop.enum && !prop.enum.includes(value as string)) return `${pyRepr(value)} is not one of ${pyRepr([...prop.enum])}`;
  const max = prop.maxLength ?? 255;
  const strings = prop.type === 'array' ? (value as unknown[]) : prop.type === 'string' ? [value] : [];
  for (const s of strings) {
    if (typeof s !== 'string') return `${pyRepr(s)} is not of type 'string'`;
    if (s.length > max) return `${pyRepr(s)} is too long`;
    if (CONTROL.test(s) || s === '') return `${pyRepr(s)} does not match '^[^\\\\x00-\\\\x1f\\\\x7f]+$'`;
  }
  return null;
}

/** The user-facing fault string of the first problem, or null when the metadata is acceptable. */
export function validateMetadata(schema: MetadataSchema, data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return `${pyRepr(data)} is not of type 'object'`;
  const extras = Object.keys(data).filter((k) => !(k in schema)).sort();
  if (extras.length) {
    return `Additional properties are not allowed (${extras.map(pyRepr).join(', ')} ${extras.length > 1 ? 'were' : 'was'} unexpected)`;
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const problem = checkValue(schema[key], value);
    if (problem) return `${key} ${problem}`;
  }
  return null;
}
