/**
 * A small Barbican (OpenStack key manager, API v1) client: secrets, their payloads, and certificate
 * containers, read with the token the caller gives. A reference names a secret or container by URL
 * (`https://barbican.example:9311/v1/containers/<uuid>`); only its kind and UUID are used and the request
 * goes to the configured endpoint, so a user-supplied reference can never send a token elsewhere.
 */

export type BarbicanRefKind = 'secrets' | 'containers';

export interface BarbicanRef {
  kind: BarbicanRefKind;
  id: string;
}

/** GET /v1/secrets/{id} (metadata; the payload is a separate call). */
export interface BarbicanSecret {
  secret_ref: string;
  name: string | null;
  status: string;
  secret_type: string;
  content_types?: Record<string, string>;
  algorithm?: string | null;
  bit_length?: number | null;
  mode?: string | null;
  expiration?: string | null;
  created?: string;
  updated?: string;
  creator_id?: string;
}

/** GET /v1/containers/{id}; certificate containers name their secrets `certificate`, `private_key`, `intermediates`, `private_key_passphrase`. */
export interface BarbicanContainer {
  container_ref: string;
  name: string | null;
  type: 'generic' | 'rsa' | 'certificate';
  status: string;
  secret_refs: Array<{ name: string; secret_ref: string }>;
  consumers?: Array<{ name: string; URL: string }>;
  created?: string;
  updated?: string;
  creator_id?: string;
}

export class BarbicanError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const REF_PATTERN = new RegExp(`^https?://[A-Za-z0-9.\\-\\[\\]:]+(?:/[A-Za-z0-9._~%\\-]+)*/v1/(secrets|containers)/(${UUID})/?$`);

/** Parses a Barbican reference URL; null when it is not one. */
export function parseBarbicanRef(ref: string): BarbicanRef | null {
  const m = REF_PATTERN.exec(ref);
  return m ? { kind: m[1] as BarbicanRefKind, id: m[2].toLowerCase() } : null;
}

export interface BarbicanClientOptions {
  /** Barbican's endpoint, without `/v1` (e.g. `https://barbican.example:9311`). */
  endpoint: string;
  timeoutMs?: number;
  /** Largest payload read (bytes). */
  maxPayloadBytes?: number;
}

export class BarbicanClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly maxPayloadBytes: number;

  constructor(opts: BarbicanClientOptions) {
    this.base = opts.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxPayloadBytes = opts.maxPayloadBytes ?? 64 * 1024;
  }

  getSecret(id: string, token: string | undefined): Promise<BarbicanSecret> {
    return this.json<BarbicanSecret>(`/v1/secrets/${id}`, token);
  }

  async getSecretPayload(id: string, token: string | undefined): Promise<Buffer> {
    const res = await this.request(`/v1/secrets/${id}/payload`, token, 'application/octet-stream');
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > this.maxPayloadBytes) throw new BarbicanError(413, `secret ${id} is larger than ${this.maxPayloadBytes} bytes`);
    return buf;
  }

  getContainer(id: string, token: string | undefined): Promise<BarbicanContainer> {
    return this.json<BarbicanContainer>(`/v1/containers/${id}`, token);
  }

  private async json<T>(path: string, token: string | undefined): Promise<T> {
    const res = await this.request(path, token, 'application/json');
    return (await res.json()) as T;
  }

  private async request(path: string, token: string | undefined, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (token) headers['x-auth-token'] = token;
    let res: Response;
    try {
      res = await fetch(this.base + path, { headers, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new BarbicanError(503, `Barbican unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) {
      let detail = res.statusText;
      try {
        const body = (await res.json()) as { description?: string; title?: string };
        detail = body.description ?? body.title ?? detail;
      } catch {
        // a body that is not JSON: keep the status text
      }
      throw new BarbicanError(res.status, `Barbican answered ${res.status} for ${path}: ${detail}`);
    }
    return res;
  }
}
