import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every relative import of the .ts files under `dir` (specs included), as written. */
function importsOf(dir: string): Array<{ file: string; from: string }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => ({ file: f, from: m[1] })),
    );
}

// charges depends on subscriptions (transitions, the entity, the service); the reverse would make a folder cycle.
describe('subscriptions folder imports', () => {
  it('never imports charges', () => {
    expect(importsOf(__dirname).filter((i) => /(^|\/)charges\//.test(i.from))).toEqual([]);
  });
});
