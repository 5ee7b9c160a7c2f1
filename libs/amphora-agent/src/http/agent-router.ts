import {
  AgentRequest,
  AgentResponse,
  METHOD_NOT_ALLOWED_DESCRIPTION,
  NOT_FOUND_DESCRIPTION,
  RouteHandler,
  werkzeugError,
} from './agent-response';

export interface RouteDefinition {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** e.g. `/1.0/loadbalancer/:amphoraId/:lbId/haproxy` */
  pattern: string;
  handler: RouteHandler;
}

interface CompiledRoute extends RouteDefinition {
  segments: string[];
  /** Routes with more literal segments win, as in werkzeug (`/vrrp/upload` over `/vrrp/<action>`). */
  literalCount: number;
}

export interface RouteMatch {
  route: RouteDefinition;
  params: Record<string, string>;
}

export type RouteLookup = { kind: 'match'; match: RouteMatch } | { kind: 'error'; response: AgentResponse };

/**
 * Merge duplicate slashes (the upstream controller asks for `//`), drop the query and a
 * trailing slash, so `GET //` and `GET /` are the same route.
 */
export function normalisePath(rawUrl: string): string {
  const pathOnly = rawUrl.split('?')[0].replace(/\/{2,}/g, '/');
  return pathOnly.length > 1 && pathOnly.endsWith('/') ? pathOnly.slice(0, -1) : pathOnly || '/';
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    if (err instanceof URIError) return null;
    throw err;
  }
}

export class AgentRouter {
  private readonly routes: CompiledRoute[] = [];

  add(route: RouteDefinition): this {
    const segments = splitPath(route.pattern);
    this.routes.push({ ...route, segments, literalCount: segments.filter((s) => !s.startsWith(':')).length });
    this.routes.sort((a, b) => b.literalCount - a.literalCount);
    return this;
  }

  addAll(routes: RouteDefinition[]): this {
    routes.forEach((r) => this.add(r));
    return this;
  }

  lookup(method: string, path: string): RouteLookup {
    const parts = splitPath(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = this.matchSegments(route.segments, parts);
      if (params === null) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'match', match: { route, params } };
      }
    }
    return {
      kind: 'error',
      response: pathMatched ? werkzeugError(405, METHOD_NOT_ALLOWED_DESCRIPTION) : werkzeugError(404, NOT_FOUND_DESCRIPTION),
    };
  }

  async dispatch(request: Omit<AgentRequest, 'params'>): Promise<AgentResponse> {
    const found = this.lookup(request.method, request.path);
    if (found.kind === 'error') return found.response;
    return found.match.route.handler({ ...request, params: found.match.params });
  }

  private matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
    if (pattern.length !== parts.length) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i];
      if (p.startsWith(':')) {
        const value = decodeSegment(parts[i]);
        if (value === null || value.includes('/')) return null;
        params[p.slice(1)] = value;
      } else if (p !== parts[i]) {
        return null;
      }
    }
    return params;
  }
}
