import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as barrel from './index';
import * as testing from './testing';

/** Production code never carries test helpers: the barrel exports none, and only specs import the testing subpath. */
describe('@app/pg-contract barrel', () => {
  it('exports no test code (the suite, sandbox drivers and the dummy live in @app/pg-contract/testing)', () => {
    const leaked = Object.keys(testing).filter((name) => name in barrel);
    expect(leaked).toEqual([]);
    for (const name of [
      'describeGatewayConformance',
      'ConformanceSession',
      'createSandboxControl',
      'DummyAdapter',
      'ReferenceAdapter',
      'REFERENCE_DESCRIPTOR',
    ]) {
      expect(barrel).not.toHaveProperty(name);
    }
    expect(testing).toHaveProperty('describeGatewayConformance');
  });

  it('is imported from production code nowhere: only specs and test helpers use @app/pg-contract/testing', () => {
    const root = join(__dirname, '..', '..', '..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(name) && !/test-harness/.test(name))
          files.push(path);
      }
    };
    walk(join(root, 'src'));
    walk(join(root, 'libs'));
    const offenders = files
      .filter((f) => !relative(root, f).startsWith(join('libs', 'pg-contract', 'src', 'testing')))
      .filter((f) =>
        /from '(@app\/pg-contract\/testing|\.{1,2}\/(\.\.\/)*testing)(\/[^']*)?'/.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(root, f));
    expect(files.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
