import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { inflateSmall, inflateSmallIsFast } from './fast-inflate';

function outcome(fn: () => Buffer): { ok: Buffer } | { code: string | undefined; message: string } {
  try {
    return { ok: Buffer.from(fn()) };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message };
  }
}

describe('inflateSmall', () => {
  it('uses the re-used native context on this Node (not the inflateSync fallback)', () => {
    expect(inflateSmallIsFast()).toBe(true);
  });

  it('matches inflateSync on payloads from empty to several output chunks', () => {
    for (const size of [0, 1, 395, 4096, 65535, 65536, 65537, 200_000]) {
      // Half random, half repetitive: dynamic and stored blocks both occur.
      const text = Buffer.concat([randomBytes(size >> 1), Buffer.alloc(size - (size >> 1), 'ab')]);
      for (const level of [0, 1, 9]) {
        const z = deflateSync(text, { level });
        expect(inflateSmall(z, 1 << 20).equals(text)).toBe(true);
        expect(inflateSmall(z, 1 << 20).equals(inflateSync(z))).toBe(true);
      }
    }
  });

  it('fails like inflateSync on corrupt, truncated and non-zlib input, and keeps working afterwards', () => {
    const good = deflateSync(Buffer.from(JSON.stringify({ id: 'x', seq: 1, listeners: {} })));
    const badCheck = Buffer.from(good);
    badCheck[badCheck.length - 1] ^= 0xff;
    const badHeader = Buffer.from(good);
    badHeader[0] = 0x00;
    const cases = [badCheck, badHeader, good.subarray(0, good.length - 5), Buffer.from('not zlib at all')];
    for (const input of cases) {
      const ours = outcome(() => inflateSmall(input, 4096));
      const theirs = outcome(() => inflateSync(input, { maxOutputLength: 4096 }));
      expect('ok' in ours).toBe(false);
      expect(ours).toEqual(theirs);
      expect(inflateSmall(good, 4096).equals(inflateSync(good))).toBe(true);
    }
  });

  it('refuses output beyond the limit with ERR_BUFFER_TOO_LARGE, inside one chunk and across chunks', () => {
    const bomb = deflateSync(Buffer.alloc(1_000_000, 0x20));
    expect(outcome(() => inflateSmall(bomb, 1024))).toMatchObject({ code: 'ERR_BUFFER_TOO_LARGE' });
    expect(outcome(() => inflateSmall(bomb, 300_000))).toMatchObject({ code: 'ERR_BUFFER_TOO_LARGE' });
    expect(inflateSmall(bomb, 1_000_000).length).toBe(1_000_000);
    const exact = deflateSync(Buffer.alloc(1024, 0x41));
    expect(inflateSmall(exact, 1024).length).toBe(1024);
    expect(outcome(() => inflateSmall(exact, 1023))).toMatchObject({ code: 'ERR_BUFFER_TOO_LARGE' });
  });
});
