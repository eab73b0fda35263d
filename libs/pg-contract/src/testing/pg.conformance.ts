import * as assert from 'node:assert/strict';
import type { GatewayDescriptor } from '../pg.descriptor';
import { CONFORMANCE_CASES } from './pg.conformance.cases';
import { ConformanceSession, type ConformanceHarness } from './pg.conformance.session';

/**
 * The conformance suite every adapter runs against its PG's sandbox, after Hyperswitch's shared connector tests: the
 * same cases for every PG, chosen by the declared capabilities. It registers ordinary test cases with the runner's
 * globals (`describe`, `it`, `beforeAll`, `afterAll`, `afterEach`) and asserts with `node:assert`, so it carries no
 * test-framework types. Test code only: import it from `@app/pg-contract/testing`, never from production code.
 */

export { CONFORMANCE_CASES } from './pg.conformance.cases';
export {
  ConformanceSession,
  conformanceReturnUrls,
  type ConformanceCase,
  type ConformanceHarness,
  type ConformanceIssuance,
  type ConformanceKey,
} from './pg.conformance.session';

/** Options of {@link describeGatewayConformance}. */
export interface ConformanceOptions {
  /** Per-case timeout in ms (default 30000). */
  readonly caseTimeoutMs?: number;
}

interface TestApi {
  describe(name: string, fn: () => void): void;
  it: ((name: string, fn: () => Promise<void>, timeout?: number) => void) & {
    skip(name: string, fn: () => Promise<void>): void;
  };
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => Promise<void>, timeout?: number): void;
  afterEach(fn: () => Promise<void>, timeout?: number): void;
}

function testApi(): TestApi {
  const g = globalThis as unknown as Partial<TestApi>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.beforeAll !== 'function') {
    throw new Error(
      'describeGatewayConformance must be called from a spec file (it needs describe/it/beforeAll globals)',
    );
  }
  return g as TestApi;
}

/**
 * Registers the conformance cases for a real adapter, in a `<gateway>.conformance.spec.ts` beside it:
 *
 * ```ts
 * describeGatewayConformance('PortonePaypalRtAdapter', PORTONE_PAYPAL_RT_DESCRIPTOR, async () => ({ adapter, credentials, ... }));
 * ```
 *
 * `descriptor` is passed separately (the first case checks it equals `adapter.descriptor`) so the cases of
 * undeclared capabilities are reported as skipped rather than silently passing.
 */
export function describeGatewayConformance<C>(
  name: string,
  descriptor: GatewayDescriptor,
  createHarness: () => Promise<ConformanceHarness<C>>,
  options: ConformanceOptions = {},
): void {
  const t = testApi();
  const timeout = options.caseTimeoutMs ?? 30_000;
  t.describe(`${name}: gateway conformance (${descriptor.code})`, () => {
    let session: ConformanceSession<C> | undefined;
    t.beforeAll(async () => {
      session = new ConformanceSession(await createHarness(), descriptor);
    }, timeout);
    t.afterEach(async () => {
      await session?.h.sandbox.clearFaults();
    }, timeout);
    t.afterAll(async () => {
      await session?.h.close?.();
    }, timeout);
    for (const c of CONFORMANCE_CASES) {
      const run = async () => {
        assert.ok(session, 'the harness could not be created');
        await c.run(session as ConformanceSession<never>);
      };
      if (c.applies(descriptor)) t.it(c.title, run, timeout);
      else t.it.skip(`${c.title} (not declared)`, run);
    }
  });
}
