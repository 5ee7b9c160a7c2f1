import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ApiFault } from '../common/api-fault';

export interface ParsedBody<T> {
  /** The validated, coerced object. */
  value: T;
  /** Keys the client actually sent (PUT distinguishes "absent" from "null"). */
  present: Set<string>;
  /** The raw object as sent, for nested graph handling. */
  raw: Record<string, unknown>;
}

/**
 * Checks a request body against a DTO class: exactly one root key, no unknown attributes at any depth,
 * WSME-style coercion, and each failure reported with upstream's message.
 */
export function parseBody<T extends object>(
  cls: new () => T,
  body: unknown,
  rootKey: string,
  argName: string,
): ParsedBody<T> {
  if (body === undefined || body === null) throw ApiFault.badRequest(`Missing argument: "${argName}"`);
  const envelope = body as Record<string, unknown>;
  const extra = Object.keys(envelope).filter((k) => k !== rootKey);
  if (extra.length) {
    throw ApiFault.badRequest(`Unknown attribute${extra.length > 1 ? 's' : ''} for argument ${argName}: ${extra.join(', ')}`);
  }
  const raw = envelope[rootKey];
  if (raw === undefined) throw ApiFault.validation(`No ${rootKey} object supplied.`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw ApiFault.badRequest(`Invalid input for field/attribute ${rootKey}. Value: '${JSON.stringify(raw)}'. Value should be an object`);
  }
  return { ...validateObject(cls, raw as Record<string, unknown>, `${argName}.${rootKey}`), raw: raw as Record<string, unknown> };
}

export function validateObject<T extends object>(cls: new () => T, raw: Record<string, unknown>, path: string): { value: T; present: Set<string> } {
  const value = plainToInstance(cls, raw, { enableImplicitConversion: false });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length) throw faultFromErrors(errors, path);
  return { value, present: new Set(Object.keys(raw)) };
}

function faultFromErrors(errors: ValidationError[], path: string): ApiFault {
  const unknown = errors.filter((e) => e.constraints?.whitelistValidation).map((e) => e.property);
  if (unknown.length) {
    return ApiFault.badRequest(`Unknown attribute${unknown.length > 1 ? 's' : ''} for argument ${path}: ${unknown.join(', ')}`);
  }
  for (const error of errors) {
    if (error.constraints) {
      const messages = Object.values(error.constraints);
      if (messages.length) return ApiFault.badRequest(messages[0]);
    }
    if (error.children?.length) {
      const childPath = /^\d+$/.test(error.property) ? path : `${path}.${error.property}`;
      return faultFromErrors(error.children, childPath);
    }
  }
  return ApiFault.badRequest('Invalid input');
}
