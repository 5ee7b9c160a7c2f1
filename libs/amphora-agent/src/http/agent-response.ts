/**
 * Responses are plain values. Upstream's agent answers in two JSON shapes: webob bodies
 * (`{"message": ..., "details": ...}`) for handled outcomes, and werkzeug's error handler
 * (`{"error": "<code> <Reason>: <description>", "http_code": <code>}`) for routing and
 * malformed-request errors. The controller only treats 400/401/403/404/405/409/500/503 as
 * errors, so those are the only error codes used here.
 */

export type ErrorStatus = 400 | 404 | 405 | 409 | 500 | 503;

export interface AgentResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface AgentRequest {
  method: string;
  /** Normalised path: duplicate slashes merged, no trailing slash (except "/"). */
  path: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type RouteHandler = (request: AgentRequest) => Promise<AgentResponse>;

const JSON_TYPE = 'application/json; charset=UTF-8';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): AgentResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: Buffer.from(JSON.stringify(body), 'utf8') };
}

export function textResponse(status: number, body: string | Buffer, headers: Record<string, string> = {}): AgentResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/** webob-style `{"message", "details"}`; `details` omitted when undefined. */
export function message(status: number, msg: string, details?: string, headers: Record<string, string> = {}): AgentResponse {
  return jsonResponse(status, details === undefined ? { message: msg } : { message: msg, details }, headers);
}

const REASONS: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** werkzeug's JSON error body, as produced by upstream's error handler. */
export function werkzeugError(status: ErrorStatus, description: string): AgentResponse {
  return jsonResponse(status, { error: `${status} ${REASONS[status]}: ${description}`, http_code: status });
}

export const NOT_FOUND_DESCRIPTION =
  'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';
export const METHOD_NOT_ALLOWED_DESCRIPTION = 'The method is not allowed for the requested URL.';

/** Parse a JSON body; undefined if it is not valid JSON (routes answer with their own 400). */
export function parseJsonBody(request: AgentRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}
