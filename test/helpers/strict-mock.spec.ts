import { strictMock } from './strict-mock';

interface Repo {
  find(id: string): Promise<{ id: string } | null>;
  save(row: { id: string }): Promise<void>;
}

describe('strictMock', () => {
  it('answers with the members given and throws on any other', async () => {
    const repo = strictMock<Repo>({ find: async (id) => ({ id }) });
    await expect(repo.find('a')).resolves.toEqual({ id: 'a' });
    expect(() => repo.save({ id: 'a' })).toThrow('unexpected call: save');
  });

  it('can be awaited: it does not pose as a promise', async () => {
    const repo = strictMock<Repo>({});
    await expect(Promise.resolve(repo)).resolves.toBe(repo);
  });

  it('refuses, at compile time, a member the type lacks or a wrong signature', () => {
    // @ts-expect-error a member Repo does not have
    strictMock<Repo>({ findOne: async () => null });
    // @ts-expect-error find returns a row, not a number
    strictMock<Repo>({ find: async () => 1 });
  });
});
