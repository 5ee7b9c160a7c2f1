import { createHash, createHmac, randomBytes } from 'node:crypto';
import { knownHostsName, parseKnownHosts, sha256Fingerprint, verifyHostKey } from './host-key';

const keyA = Buffer.concat([Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x20', 'binary'), randomBytes(32)]);
const keyB = Buffer.concat([Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x20', 'binary'), randomBytes(32)]);

describe('host key verification', () => {
  it('computes OpenSSH SHA256 fingerprints', () => {
    expect(sha256Fingerprint(keyA)).toBe(`SHA256:${createHash('sha256').update(keyA).digest('base64').replace(/=+$/, '')}`);
    expect(sha256Fingerprint(keyA)).not.toMatch(/=$/);
  });

  it('names hosts like known_hosts does', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('accepts the pinned key and refuses any other', () => {
    expect(verifyHostKey(keyA, { host: 'h', port: 22, pinnedFingerprint: sha256Fingerprint(keyA) }).ok).toBe(true);
    const v = verifyHostKey(keyB, { host: 'h', port: 22, pinnedFingerprint: sha256Fingerprint(keyA) });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(/host key mismatch/);
  });

  it('matches plain, port-qualified, wildcard and hashed known_hosts entries', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.1.1.1]:2222').digest('base64')}`;
    const text = [
      '# comment',
      `10.0.0.1,edge ssh-ed25519 ${keyA.toString('base64')}`,
      `[10.0.0.2]:2222 ssh-ed25519 ${keyB.toString('base64')}`,
      `192.168.* ssh-ed25519 ${keyA.toString('base64')}`,
      `${hashed} ssh-ed25519 ${keyB.toString('base64')}`,
      'garbage',
    ].join('\n');
    const kh = parseKnownHosts(text);
    expect(kh).toHaveLength(4);
    expect(verifyHostKey(keyA, { host: '10.0.0.1', port: 22, knownHosts: kh }).ok).toBe(true);
    expect(verifyHostKey(keyA, { host: 'edge', port: 22, knownHosts: kh }).ok).toBe(true);
    expect(verifyHostKey(keyB, { host: '10.0.0.2', port: 2222, knownHosts: kh }).ok).toBe(true);
    expect(verifyHostKey(keyA, { host: '192.168.7.7', port: 22, knownHosts: kh }).ok).toBe(true);
    expect(verifyHostKey(keyB, { host: '10.1.1.1', port: 2222, knownHosts: kh }).ok).toBe(true);
    // Same host, other key: a mismatch, refused.
    const mismatch = verifyHostKey(keyB, { host: '10.0.0.1', port: 22, knownHosts: kh });
    expect(mismatch.ok).toBe(false);
    expect(!mismatch.ok && mismatch.reason).toMatch(/mismatch/);
    // The entry for port 22 does not cover port 2222; unknown hosts are refused, never trusted on first use.
    const unknown = verifyHostKey(keyA, { host: '10.0.0.1', port: 2222, knownHosts: kh });
    expect(!unknown.ok && unknown.reason).toMatch(/no known_hosts entry/);
    expect(verifyHostKey(keyA, { host: '10.9.9.9', port: 22, knownHosts: [] }).ok).toBe(false);
  });

  it('refuses a revoked key even when pinned', () => {
    const kh = parseKnownHosts(`@revoked * ssh-ed25519 ${keyA.toString('base64')}`);
    const v = verifyHostKey(keyA, { host: 'x', port: 22, knownHosts: kh, pinnedFingerprint: sha256Fingerprint(keyA) });
    expect(!v.ok && v.reason).toMatch(/revoked/);
  });
});
