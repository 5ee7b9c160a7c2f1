/**
 * Raised when a value cannot be written into a configuration file safely: a tenant string that
 * would change the file's structure, an out-of-range number, or an inconsistent model. The
 * controller should fail the flow and surface `message` (it never contains raw control bytes).
 */
export class RenderValidationError extends Error {
  /** Same meaning as an API validation failure; the model, not the renderer, must change. */
  readonly status = 400;

  constructor(
    /** Path of the offending field, e.g. `listener 9c…/l7policy 1a…/rule 3f….value`. */
    readonly field: string,
    /** What is wrong, phrased so an operator can fix it. */
    readonly reason: string,
  ) {
    super(`Cannot render ${field}: ${reason}`);
    this.name = 'RenderValidationError';
  }
}

/** Non-fatal finding (upstream logs these and degrades gracefully, e.g. invalid stored ciphers). */
export interface RenderWarning {
  field: string;
  message: string;
}

/** Printable, bounded preview of a rejected value for error messages. */
export function previewValue(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const json = JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
  // JSON escapes C0 controls; also escape C1 and line separators so logs stay one line.
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
