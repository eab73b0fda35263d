import * as crypto from 'node:crypto';
import { PortoneTokenCache } from './portone-token.cache';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, createHash: jest.fn(actual.createHash) };
});

describe('PortoneTokenCache.keyOf', () => {
  it('is the key plus a digest of the secret (never the secret itself), the same for equal credentials', () => {
    const key = PortoneTokenCache.keyOf({ impKey: 'k1', impSecret: 'secret-1' });
    expect(key.startsWith('k1\u0000')).toBe(true);
    expect(key).not.toContain('secret-1');
    expect(PortoneTokenCache.keyOf({ impKey: 'k1', impSecret: 'secret-1' })).toBe(key);
    expect(PortoneTokenCache.keyOf({ impKey: 'k1', impSecret: 'secret-2' })).not.toBe(key);
  });

  it('follows a credentials object that is changed after its key was first taken', () => {
    const creds = { impKey: 'k1', impSecret: 'secret-1' };
    const first = PortoneTokenCache.keyOf(creds);
    creds.impSecret = 'rotated';
    expect(PortoneTokenCache.keyOf(creds)).toBe(PortoneTokenCache.keyOf({ impKey: 'k1', impSecret: 'rotated' }));
    expect(PortoneTokenCache.keyOf(creds)).not.toBe(first);
    creds.impKey = 'k2';
    expect(PortoneTokenCache.keyOf(creds).startsWith('k2\u0000')).toBe(true);
  });

  it('hashes a secret once, however many fresh credentials objects carry it (one per call in a billing run)', () => {
    const createHash = crypto.createHash as jest.Mock;
    createHash.mockClear();
    const keys = Array.from({ length: 50 }, () => PortoneTokenCache.keyOf({ impKey: 'k9', impSecret: 'secret-once' }));
    expect(new Set(keys).size).toBe(1);
    expect(createHash).toHaveBeenCalledTimes(1);
    PortoneTokenCache.keyOf({ impKey: 'k10', impSecret: 'secret-once' });
    expect(createHash).toHaveBeenCalledTimes(1);
    PortoneTokenCache.keyOf({ impKey: 'k9', impSecret: 'secret-other' });
    expect(createHash).toHaveBeenCalledTimes(2);
  });
});
