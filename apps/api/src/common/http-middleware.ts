import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiFault } from './api-fault';

function sendFault(res: Response, fault: ApiFault): void {
  res.status(fault.status).type('application/json').send(JSON.stringify(fault.body()));
}

/** `x-openstack-request-id` on every response, as oslo's request-id middleware does. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const id = `req-${randomUUID()}`;
  (req as Request & { requestId?: string }).requestId = id;
  res.setHeader('x-openstack-request-id', id);
  next();
}

/** `/v2.0/lbaas/loadbalancers.json` is `/v2.0/lbaas/loadbalancers`; trailing slashes on collections work. */
export function normalisePath(req: Request, _res: Response, next: NextFunction): void {
  const q = req.url.indexOf('?');
  let path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q);
  path = path.replace(/\.json$/, '');
  if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '');
  path = path.replace(/^\/v2\.0(?=\/|$)/, '/v2').replace(/^\/v2\/lbaas\//, '/v2/');
  req.url = path + query;
  next();
}

const JSON_TYPES = ['application/json', 'text/javascript', 'application/javascript'];

/** 406 when the client rules JSON out (upstream >= 12.0.0). */
export function acceptJsonOnly(req: Request, res: Response, next: NextFunction): void {
  const accept = req.headers.accept;
  if (accept && accept.trim() !== '' && !/(application\/json|\*\/\*|application\/\*)/i.test(accept) && /\//.test(accept)) {
    res.status(406).type('application/json').send(JSON.stringify({ code: 406, title: 'Not Acceptable', description: 'Only content type application/json is accepted.' }));
    return;
  }
  next();
}

/**
 * Reads the request body ourselves so that each failure has Octavia's answer: 413 over the size limit,
 * 415 for non-JSON types, 400 for invalid JSON or a body that is not a JSON object.
 */
export function jsonBody(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
      req.resume();
      req.body = undefined;
      next();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      sendFault(res, new ApiFault(413, 'Request is too large.'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > maxBytes) {
        aborted = true;
        sendFault(res, new ApiFault(413, 'Request is too large.'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.trim() === '') {
        req.body = undefined;
        next();
        return;
      }
      const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
      if (!JSON_TYPES.includes(type)) {
        sendFault(res, new ApiFault(415, `Unknown mimetype: ${type}`));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        sendFault(res, new ApiFault(400, 'Request is not in valid JSON format'));
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        sendFault(res, new ApiFault(400, 'Request must be a JSON dict'));
        return;
      }
      req.body = parsed;
      next();
    });
    req.on('error', (err) => next(err));
  };
}
