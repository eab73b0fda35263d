/**
 * `@app/pg-contract/testing`: the conformance suite, the sandbox drivers and an in-memory dummy gateway. Test code
 * only; the production barrel (`@app/pg-contract`) does not export it.
 */
export {
  CONFORMANCE_CASES,
  ConformanceSession,
  conformanceReturnUrls,
  describeGatewayConformance,
  type ConformanceCase,
  type ConformanceHarness,
  type ConformanceIssuance,
  type ConformanceKey,
  type ConformanceOptions,
} from './pg.conformance';
export {
  createSandboxControl,
  landingPointer,
  portoneSandboxBuyer,
  portoneSandboxControl,
  tossSandboxBuyer,
  tossSandboxControl,
  type BillingKeyApproval,
  type ConformanceFlow,
  type SandboxBuyer,
  type SandboxControl,
  type SandboxControlConfig,
  type SandboxFault,
  type SandboxLedgerEntry,
} from './pg.sandbox-control';
export {
  DummyAdapter,
  DUMMY_DECLINES,
  dummyDescriptor,
  type DummyCredentials,
  type DummyKind,
} from './pg.dummy-adapter';
export { DummyPg, DummyTransportError, type DummyPgOptions } from './pg.dummy-pg';
