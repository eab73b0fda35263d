import { newId } from './ids';

describe('newId', () => {
  it('is the prefix and 96 random bits in URL-safe base64, never repeating', () => {
    const ids = Array.from({ length: 5_000 }, () => newId('cus'));
    for (const id of ids) expect(id).toMatch(/^cus_[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every bit: each of the 16 characters takes many values', () => {
    const ids = Array.from({ length: 2_000 }, () => newId('x').slice(2));
    for (let i = 0; i < 16; i++) expect(new Set(ids.map((id) => id[i])).size).toBeGreaterThan(50);
  });
});
