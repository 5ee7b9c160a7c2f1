import * as zlib from 'node:zlib';
import { constants, createInflate, inflateSync } from 'node:zlib';

/**
 * One-shot zlib inflate for small buffers that re-uses a single native zlib context.
 *
 * `inflateSync` builds a whole stream object, a native context and fresh output buffers for every call, and
 * for a 300-byte heartbeat that set-up costs more than the inflate itself (and feeds the garbage collector).
 * Here one context per thread is kept and reset after each call (`inflateReset`), and output goes into one
 * re-used buffer. Node exposes no public API for that, so this drives the stream's handle directly
 * (`writeSync` + `reset`, present since Node 10); if the handle does not look as expected, or the self-check
 * below fails, every call falls back to `inflateSync` with the same results and errors.
 */

export class InflateTooLargeError extends Error {
  readonly code = 'ERR_BUFFER_TOO_LARGE';
}

interface NativeZlib {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
  onerror: (message: string, errno: number) => void;
}

const CHUNK = 64 * 1024;

/** The error `inflateSync` would throw: zlib's message, `errno`, and `code` named as in `zlib.codes`. */
function zlibError(message: string, errno: number): Error {
  const err = new Error(message) as NodeJS.ErrnoException;
  err.errno = errno;
  err.code = (zlib as unknown as { codes: Record<string, string> }).codes[String(errno)];
  return err;
}

class ReusedInflater {
  private error: { message: string; errno: number } | null = null;
  private readonly out = Buffer.allocUnsafe(CHUNK);

  constructor(
    private readonly handle: NativeZlib,
    private readonly state: Uint32Array,
  ) {
    handle.onerror = (message, errno) => {
      this.error = { message, errno };
    };
  }

  /** The result is a view into a shared buffer when it fits one chunk: valid until the next call. */
  inflate(input: Buffer, maxOutput: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    let inOff = 0;
    let inLen = input.length;
    this.error = null;
    try {
      for (;;) {
        this.handle.writeSync(constants.Z_FINISH, input, inOff, inLen, this.out, 0, CHUNK);
        const failed = this.error as { message: string; errno: number } | null; // set by the handle's onerror
        if (failed !== null) throw zlibError(failed.message, failed.errno);
        const availOut = this.state[0];
        const availIn = this.state[1];
        const produced = CHUNK - availOut;
        total += produced;
        if (total > maxOutput) throw new InflateTooLargeError(`Cannot create a Buffer larger than ${maxOutput} bytes`);
        if (availOut !== 0) {
          if (!chunks.length) return this.out.subarray(0, produced);
          chunks.push(this.out.subarray(0, produced));
          return Buffer.concat(chunks, total);
        }
        chunks.push(Buffer.from(this.out));
        inOff += inLen - availIn;
        inLen = availIn;
      }
    } finally {
      this.handle.reset();
    }
  }
}

function makeReused(): ReusedInflater | null {
  try {
    const stream = createInflate() as unknown as { _handle?: Partial<NativeZlib>; _writeState?: unknown };
    const handle = stream._handle;
    const state = stream._writeState;
    if (!handle || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || Object.prototype.toString.call(state) !== '[object Uint32Array]') return null;
    // (no instanceof: under a test runner's VM context the typed array comes from another realm)
    const inflater = new ReusedInflater(handle as NativeZlib, state as Uint32Array);
    // Self-check against the public API: a good stream, a corrupt one, then the good one again.
    const sample = Buffer.from('eJyrVspMUbJSKk7NSdNNzkhNzlbSUSpOLVSyMtRRKkstUrIyrgUAxGgKqw==', 'base64');
    const expected = inflateSync(sample);
    if (!inflater.inflate(sample, 1024).equals(expected)) return null;
    const corrupt = Buffer.from(sample);
    corrupt[corrupt.length - 1] ^= 0xff; // breaks the Adler-32 check
    let rejected = false;
    try {
      inflater.inflate(corrupt, 1024);
    } catch {
      rejected = true;
    }
    if (!rejected || !inflater.inflate(sample, 1024).equals(expected)) return null;
    return inflater;
  } catch {
    return null;
  }
}

let shared: ReusedInflater | null | undefined;

/**
 * Inflate a complete zlib stream of at most `maxOutput` bytes. Throws like `inflateSync` does (an error
 * with code `ERR_BUFFER_TOO_LARGE` when the output would exceed `maxOutput`). The returned buffer may be a
 * view into a re-used buffer: read it before the next call on this thread.
 */
export function inflateSmall(input: Buffer, maxOutput: number): Buffer {
  if (shared === undefined) shared = makeReused();
  if (shared === null) return inflateSync(input, { maxOutputLength: maxOutput });
  return shared.inflate(input, maxOutput);
}

/** Whether the re-used native context is in use (false: every call goes through `inflateSync`). */
export function inflateSmallIsFast(): boolean {
  if (shared === undefined) shared = makeReused();
  return shared !== null;
}
