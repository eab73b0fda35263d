export {
  CONFORMANCE_CASES,
  ConformanceSession,
  describeGatewayConformance,
  type ConformanceCase,
  type ConformanceHarness,
  type ConformanceOptions,
} from './pg.conformance';
export {
  createSandboxControl,
  portoneSandboxBuyer,
  portoneSandboxControl,
  tossSandboxBuyer,
  tossSandboxControl,
  type ConformanceFlow,
  type SandboxBuyer,
  type SandboxControl,
  type SandboxControlConfig,
  type SandboxFault,
  type SandboxLedgerEntry,
} from './pg.sandbox-control';
