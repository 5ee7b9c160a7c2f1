import { Transform, Type } from 'class-transformer';
import {
  ValidationArguments, ValidationOptions, registerDecorator, IsDefined, ValidateIf, ValidateNested,
} from 'class-validator';
import { isIP } from 'node:net';

/** Renders a value the way upstream's messages quote it (`Value: '...'`). */
export function quoteValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return JSON.stringify(v);
}

function invalid(reason: string) {
  return (args: ValidationArguments) =>
    `Invalid input for field/attribute ${args.property}. Value: '${quoteValue(args.value)}'. ${reason}`;
}

/** One custom rule: a predicate and the upstream reason text shown when it fails. */
function rule(name: string, test: (v: unknown) => boolean, reason: string | ((v: unknown) => string)): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args: ValidationArguments) => invalid(typeof reason === 'string' ? reason : reason(args.value))(args),
      } as ValidationOptions,
      validator: { validate: (v: unknown) => test(v) },
    });
  };
}

const BOOL_TRUE = ['true', 't', 'yes', 'y', 'on', '1'];
const BOOL_FALSE = ['false', 'f', 'no', 'n', 'off', '0'];

/** WSME's boolean coercion: true/false, integers, and a fixed list of lowercase strings. */
export function coerceBool(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v !== 0;
  if (typeof v === 'string') {
    if (BOOL_TRUE.includes(v)) return true;
    if (BOOL_FALSE.includes(v)) return false;
  }
  return v;
}

/** WSME's integer coercion: numbers (fractions truncated) and numeric strings. */
export function coerceInt(v: unknown): unknown {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
  return v;
}

/** Characters that must never reach a configuration line: every C0 control (incl. tab, CR, LF, NUL) and DEL. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

interface Common {
  required?: boolean;
}

/** Applies the optional/required behaviour shared by every field decorator. */
function presence(required: boolean | undefined, property?: string): PropertyDecorator[] {
  if (required) {
    return [IsDefined({ message: (a: ValidationArguments) => `Invalid input for field/attribute ${a.property}. Value: 'None'. Mandatory field missing.` })];
  }
  return [ValidateIf((o: Record<string, unknown>, v: unknown) => v !== undefined && v !== null)];
}

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

export interface StringOpts extends Common {
  max?: number;
  min?: number;
  pattern?: RegExp;
  /** Refuse control characters (tabs, newlines, NUL...) — for every string that may reach a config file. */
  noControl?: boolean;
}

export function StringField(opts: StringOpts = {}): PropertyDecorator {
  const max = opts.max ?? 255;
  const checks: PropertyDecorator[] = [
    rule('isString', (v) => typeof v === 'string', 'Value should be string'),
    rule('maxLength', (v) => typeof v !== 'string' || v.length <= max, `Value should have a maximum character requirement of ${max}`),
  ];
  if (opts.min !== undefined) {
    const min = opts.min;
    checks.push(rule('minLength', (v) => typeof v !== 'string' || v.length >= min, `Value should have a minimum character requirement of ${min}`));
  }
  if (opts.pattern) {
    const re = opts.pattern;
    checks.push(rule('pattern', (v) => typeof v !== 'string' || re.test(v), `Value should match the pattern ${re.source}`));
  }
  if (opts.noControl !== false) {
    checks.push(rule('noControl', (v) => typeof v !== 'string' || !CONTROL_CHARS.test(v), 'Value must not contain control characters'));
  }
  return compose(...presence(opts.required), ...checks);
}

export function UuidField(opts: Common = {}): PropertyDecorator {
  return compose(...presence(opts.required), rule('isUuid', (v) => typeof v === 'string' && UUID_RE.test(v), 'Value should be UUID format'));
}

export function IntField(opts: Common & { min?: number; max?: number } = {}): PropertyDecorator {
  const checks: PropertyDecorator[] = [
    Transform(({ value }) => coerceInt(value)),
    rule('isInt', (v) => typeof v === 'number' && Number.isInteger(v), 'Value should be integer'),
  ];
  if (opts.min !== undefined) {
    const min = opts.min;
    checks.push(rule('min', (v) => typeof v !== 'number' || v >= min, `Value should be greater or equal to ${min}`));
  }
  if (opts.max !== undefined) {
    const max = opts.max;
    checks.push(rule('max', (v) => typeof v !== 'number' || v <= max, `Value should be lower or equal to ${max}`));
  }
  return compose(...presence(opts.required), ...checks);
}

export function BoolField(opts: Common = {}): PropertyDecorator {
  return compose(
    Transform(({ value }) => coerceBool(value)),
    ...presence(opts.required),
    rule('isBool', (v) => typeof v === 'boolean', (v) => `Value not an unambiguous boolean: ${quoteValue(v)}`),
  );
}

export function EnumField(values: readonly (string | number)[], opts: Common = {}): PropertyDecorator {
  return compose(...presence(opts.required), rule('isEnum', (v) => values.includes(v as string), `Value should be one of: ${values.join(', ')}`));
}

export function IpField(opts: Common = {}): PropertyDecorator {
  return compose(...presence(opts.required), rule('isIp', (v) => typeof v === 'string' && isIP(v) !== 0, 'Value should be IPv4 or IPv6 format'));
}

export function ListField(item: (v: unknown) => boolean, reason: string, opts: Common & { maxItems?: number } = {}): PropertyDecorator {
  const maxItems = opts.maxItems ?? 1000;
  return compose(
    ...presence(opts.required),
    rule('isList', (v) => Array.isArray(v), (v) => `Value not a valid list: ${quoteValue(v)}`),
    rule('listItems', (v) => !Array.isArray(v) || (v.length <= maxItems && v.every(item)), reason),
  );
}

export const isTag = (v: unknown): boolean => typeof v === 'string' && v.length <= 255 && !CONTROL_CHARS.test(v);

export function TagsField(): PropertyDecorator {
  return ListField(isTag, 'Value should be a list of strings of at most 255 characters');
}

export function NestedField(cls: () => Function, opts: Common & { each?: boolean } = {}): PropertyDecorator {
  const checks: PropertyDecorator[] = [Type(cls as () => new () => unknown), ValidateNested({ each: opts.each })];
  if (opts.each) checks.push(rule('isList', (v) => Array.isArray(v), (v) => `Value not a valid list: ${quoteValue(v)}`));
  else checks.push(rule('isObject', (v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'Value should be an object'));
  return compose(...presence(opts.required), ...checks);
}

/** A free-form rule with an upstream reason, for one-off field checks (ALPN ids, URLs...). */
export function Check(name: string, test: (v: unknown) => boolean, reason: string): PropertyDecorator {
  return rule(name, (v) => v === undefined || v === null || test(v), reason);
}

/** Accepts any JSON value; the service validates it (used for objects checked field by field later). */
export function AnyField(): PropertyDecorator {
  return ValidateIf(() => false);
}
