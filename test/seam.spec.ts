import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PORTONE_PAYPAL_RT_DESCRIPTOR } from '../src/portone-paypal-rt/portone-paypal-rt.adapter';
import { TOSS_FOREIGN_PAY_DESCRIPTOR } from '../src/toss-foreign-pay/toss-foreign-pay.adapter';
import { ERROR_STATUS } from '../src/common/errors/error-codes';

/**
 * Issue 24: "no gateway code or PG name in core code outside the registration file". Core code may not branch on a
 * gateway: no registered code or webhook alias as a string literal, no prefix test on a gateway code. Allowed: the
 * PG folders themselves (each has a *.registration.ts), the registration file, migrations and the entity list (history
 * and tables), specs, comments and OpenAPI decorators (examples for humans).
 */
const SRC = join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? files(path)
      : path.endsWith('.ts') && !path.endsWith('.spec.ts')
        ? [path]
        : [];
  });
}

const pgFolders = readdirSync(SRC).filter(
  (d) =>
    statSync(join(SRC, d)).isDirectory() &&
    d !== 'gateways' &&
    readdirSync(join(SRC, d)).some((f) => f.endsWith('.registration.ts')),
);
// The folders whose registration entries the registration file lists (a new PG adds its folder and one line there).
const registeredFolders = [
  ...readFileSync(join(SRC, 'gateways', 'gateways.registration.ts'), 'utf8').matchAll(
    /from '\.\.\/([a-z0-9-]+)\/[a-z0-9-]+\.registration'/g,
  ),
].map((m) => m[1]);
const allowed = (rel: string) =>
  pgFolders.some((d) => rel.startsWith(`${d}/`)) ||
  rel === 'gateways/gateways.registration.ts' ||
  rel.startsWith('database/migrations/') ||
  rel === 'database/entities.ts';

/**
 * The trimmed lines of a source file with their indexes, without OpenAPI decorators (`@Api…(…)`, which may span
 * lines once formatted): their examples may name a gateway, as documentation.
 */
function codeLines(text: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let inDecorator = false;
  text.split('\n').forEach((line, i) => {
    const code = line.trim();
    if (inDecorator) {
      if (/^}\)/.test(code) || code === ')') inDecorator = false;
      return;
    }
    if (code.startsWith('@Api')) {
      inDecorator = !/\)\s*$/.test(code);
      return;
    }
    out.push([code, i]);
  });
  return out;
}

describe('the PG seam', () => {
  // Every registered code and alias; a PG folder is named after its code, so a new gateway's code is covered too.
  const segments = [
    ...new Set([
      ...[PORTONE_PAYPAL_RT_DESCRIPTOR, TOSS_FOREIGN_PAY_DESCRIPTOR].flatMap((d) => [
        d.code,
        ...(d.webhookAliases ?? []),
      ]),
      ...pgFolders,
    ]),
  ];
  const literal = new RegExp(`(['"\`])(${segments.map((s) => s.replace(/-/g, '\\-')).join('|')})\\1`);
  const prefixTest = /\.(startsWith|includes)\(\s*['"`](toss|portone)/;

  it('finds the PG folders by their registration entries', () => {
    expect(pgFolders).toEqual(expect.arrayContaining(['portone-paypal-rt', 'toss-foreign-pay']));
    expect([...pgFolders].sort()).toEqual([...registeredFolders].sort());
  });

  it('core code names no gateway: no code or alias literal, no prefix test', () => {
    const offending: string[] = [];
    for (const path of files(SRC)) {
      const rel = relative(SRC, path).split('\\').join('/');
      if (allowed(rel)) continue;
      codeLines(readFileSync(path, 'utf8')).forEach(([code, i]) => {
        if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
        if (literal.test(code) || prefixTest.test(code)) offending.push(`${rel}:${i + 1}: ${code}`);
      });
    }
    expect(offending).toEqual([]);
  });

  it('keeps one-time payments in a core folder that names no PG (issue 24: no downcast, no PG client)', () => {
    const dir = join(SRC, 'orders');
    expect(readdirSync(dir)).toContain('orders.module.ts');
    const offending: string[] = [];
    for (const path of files(dir)) {
      const rel = relative(SRC, path).split('\\').join('/');
      codeLines(readFileSync(path, 'utf8')).forEach(([code, i]) => {
        // Comments, and the table and column names the entities keep (history: migration 1764201600016).
        if (['//', '*', '/*', '@Entity(', '@Index(', '@Column('].some((p) => code.startsWith(p))) return;
        if (
          /toss|portone|iamport/i.test(code) ||
          /@app\/(toss|portone)-client|\.\.\/(toss|portone)[a-z-]*\//.test(code)
        )
          offending.push(`${rel}:${i + 1}: ${code}`);
      });
    }
    expect(offending).toEqual([]);
  });

  it("keeps a PG's own error codes in its folder, not in the core table", () => {
    expect(Object.keys(ERROR_STATUS).filter((c) => /^(TOSS|PORTONE)_/.test(c))).toEqual([]);
  });
});
