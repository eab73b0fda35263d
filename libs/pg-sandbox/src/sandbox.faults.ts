import { newOpaqueId } from './sandbox.format';
import type { WorkCounter } from './sandbox.stats';

/** The two simulated PGs. */
export type SandboxGateway = 'toss' | 'portone';
/** A fault namespace: a built-in gateway, or a sandbox plugin's prefix (see `SandboxPlugin.faultOperations`). */
export type FaultGateway = SandboxGateway | (string & {});
/** Operations of the plugins' gateways, by plugin prefix: registered when the plugins are mounted. */
export type PluginFaultOperations = ReadonlyMap<string, readonly string[]>;

/** PortOne operations a fault can target (the PG call, or the buyer's window for `buyerBillingKey`). */
export const PORTONE_OPERATIONS = [
  'getToken',
  'again',
  'getPayment',
  'findPayment',
  'findAllPayments',
  'cancel',
  'getCustomer',
  'deleteCustomer',
  'buyerBillingKey',
] as const;

/** Toss operations a fault can target (the PG call, or the buyer's checkout for `buyerPayment`). */
export const TOSS_OPERATIONS = ['confirm', 'retrievePayment', 'retrieveByOrderId', 'cancel', 'buyerPayment'] as const;

/** A PortOne fault target. */
export type PortoneOperation = (typeof PORTONE_OPERATIONS)[number];
/** A Toss fault target. */
export type TossOperation = (typeof TOSS_OPERATIONS)[number];

/** Webhook misbehaviour: `duplicate` sends `count` copies (default 2), `early` sends before the API answer, `drop` none. */
export type WebhookFaultMode = 'duplicate' | 'early' | 'drop';

/** One fault, as `POST /sandbox/control/faults` takes it in `fault`. */
export type FaultSpec =
  | { type: 'latency'; ms: number }
  | { type: 'http_error'; status: number; code?: string | number; message?: string }
  | { type: 'timeout_after_commit' }
  | { type: 'reset_before' }
  | { type: 'decline'; code: string; message?: string; status?: number }
  | { type: 'pending'; settleTo?: string; settleAfterMs?: number; reason?: string }
  | { type: 'webhook'; mode: WebhookFaultMode; count?: number };

/** The body of `POST /sandbox/control/faults`. */
export interface FaultRequest {
  gateway: FaultGateway;
  operation: string;
  match?: Record<string, unknown>;
  fault: FaultSpec;
  times?: number;
}

/** A registered fault with its remaining uses. */
export interface ActiveFault {
  id: string;
  gateway: FaultGateway;
  operation: string;
  match: Record<string, unknown>;
  fault: FaultSpec;
  remaining: number;
}

/** Faults taken by one request: at most one of each type. */
export interface TakenFaults {
  latency?: Extract<FaultSpec, { type: 'latency' }>;
  http_error?: Extract<FaultSpec, { type: 'http_error' }>;
  timeout_after_commit?: Extract<FaultSpec, { type: 'timeout_after_commit' }>;
  reset_before?: Extract<FaultSpec, { type: 'reset_before' }>;
  decline?: Extract<FaultSpec, { type: 'decline' }>;
  pending?: Extract<FaultSpec, { type: 'pending' }>;
  webhook?: Extract<FaultSpec, { type: 'webhook' }>;
}

/** A fault request the sandbox cannot honour (unknown operation, a type the operation has no use for, bad values). */
export class FaultValidationError extends Error {}

const BEHAVIOUR_OPS: Record<'decline' | 'pending' | 'webhook', Record<SandboxGateway, readonly string[]>> = {
  decline: { portone: ['again', 'buyerBillingKey'], toss: ['confirm', 'buyerPayment'] },
  pending: { portone: ['again', 'buyerBillingKey', 'cancel'], toss: ['cancel'] },
  webhook: { portone: ['again', 'buyerBillingKey', 'cancel'], toss: ['confirm', 'cancel'] },
};

/** What `pending.settleTo` may be, per operation (first value = default when settleAfterMs is given alone). */
export const PENDING_SETTLE_VALUES: Record<string, readonly string[]> = {
  'portone:again': ['paid', 'failed'],
  'portone:buyerBillingKey': ['paid', 'failed'],
  'portone:cancel': ['done', 'rejected'],
  'toss:cancel': ['DONE', 'ABORTED'],
};

const MAX_LATENCY_MS = 120_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Validates a fault request; throws FaultValidationError with a message naming the problem. */
export function parseFaultRequest(input: unknown, plugins: PluginFaultOperations = new Map()): FaultRequest {
  if (!isPlainObject(input)) throw new FaultValidationError('body must be an object');
  const { gateway, operation, match, fault, times } = input;
  const pluginOps = typeof gateway === 'string' ? plugins.get(gateway) : undefined;
  const builtIn = gateway === 'toss' ? TOSS_OPERATIONS : gateway === 'portone' ? PORTONE_OPERATIONS : undefined;
  if (!builtIn && !pluginOps) {
    throw new FaultValidationError(
      `gateway must be one of ${[...new Set(['toss', 'portone', ...plugins.keys()])].map((g) => JSON.stringify(g)).join(', ')}`,
    );
  }
  // A plugin sharing a built-in PG's prefix (another product of the same PG) adds its operations to that PG's.
  const ops: readonly string[] = [...(builtIn ?? []), ...(pluginOps ?? [])];
  if (typeof operation !== 'string' || !ops.includes(operation)) {
    throw new FaultValidationError(`operation must be one of ${ops.join(', ')} for ${gateway}`);
  }
  if (match !== undefined && !isPlainObject(match)) throw new FaultValidationError('match must be an object');
  if (times !== undefined && !int(times, 1, 1_000_000))
    throw new FaultValidationError('times must be an integer from 1 to 1000000');
  if (!isPlainObject(fault)) throw new FaultValidationError('fault must be an object');
  return {
    gateway: gateway as FaultGateway,
    operation,
    match: match ?? {},
    fault: parseFaultSpec(gateway as FaultGateway, operation, fault),
    times: times ?? 1,
  };
}

function parseFaultSpec(gateway: FaultGateway, operation: string, f: Record<string, unknown>): FaultSpec {
  const onlyFor = (type: 'decline' | 'pending' | 'webhook') => {
    // A plugin's operations take the transport faults and decline (its handler reads the decline); pending and
    // webhook faults are built into the Toss and PortOne simulators only.
    const builtIn = BEHAVIOUR_OPS[type][gateway as SandboxGateway] ?? [];
    const builtInOps: readonly string[] =
      gateway === 'toss' ? TOSS_OPERATIONS : gateway === 'portone' ? PORTONE_OPERATIONS : [];
    const pluginOp = !builtInOps.includes(operation);
    const allowed = pluginOp && type === 'decline' ? [operation] : builtIn;
    if (!allowed.includes(operation)) {
      throw new FaultValidationError(`fault ${type} applies to ${gateway} ${allowed.join(', ')} only`);
    }
  };
  switch (f.type) {
    case 'latency':
      if (!int(f.ms, 0, MAX_LATENCY_MS))
        throw new FaultValidationError(`latency.ms must be an integer from 0 to ${MAX_LATENCY_MS}`);
      return { type: 'latency', ms: f.ms };
    case 'http_error': {
      // PortOne answers business refusals with HTTP 200 and code ≠ 0 (official OpenAPI: only 200/401 for again and
      // cancel; official clients raise their code error only on HTTP 200), so a PortOne fault may be a 200 with a code.
      const refusal200 = gateway === 'portone' && f.status === 200;
      if (!refusal200 && !int(f.status, 400, 599)) {
        throw new FaultValidationError(
          'http_error.status must be an integer from 400 to 599 (or 200 with a non-zero code, for PortOne)',
        );
      }
      if (f.code !== undefined && typeof f.code !== 'string' && typeof f.code !== 'number') {
        throw new FaultValidationError('http_error.code must be a string or a number');
      }
      if (refusal200 && !(typeof f.code === 'number' && Number.isInteger(f.code) && f.code !== 0)) {
        throw new FaultValidationError('http_error with status 200 needs a non-zero integer code (a PortOne refusal)');
      }
      if (f.message !== undefined && typeof f.message !== 'string')
        throw new FaultValidationError('http_error.message must be a string');
      return {
        type: 'http_error',
        status: f.status as number,
        code: f.code as string | number | undefined,
        message: f.message,
      };
    }
    case 'timeout_after_commit':
      return { type: 'timeout_after_commit' };
    case 'reset_before':
      return { type: 'reset_before' };
    case 'decline':
      onlyFor('decline');
      if (typeof f.code !== 'string' || f.code === '')
        throw new FaultValidationError('decline.code must be a non-empty string');
      if (f.message !== undefined && typeof f.message !== 'string')
        throw new FaultValidationError('decline.message must be a string');
      if (f.status !== undefined && !int(f.status, 400, 599))
        throw new FaultValidationError('decline.status must be an integer from 400 to 599');
      return { type: 'decline', code: f.code, message: f.message, status: f.status };
    case 'pending': {
      onlyFor('pending');
      const values = PENDING_SETTLE_VALUES[`${gateway}:${operation}`];
      if (f.settleTo !== undefined && (typeof f.settleTo !== 'string' || !values.includes(f.settleTo))) {
        throw new FaultValidationError(
          `pending.settleTo must be one of ${values.join(', ')} for ${gateway} ${operation}`,
        );
      }
      if (f.settleAfterMs !== undefined && !int(f.settleAfterMs, 0, Number.MAX_SAFE_INTEGER)) {
        throw new FaultValidationError('pending.settleAfterMs must be an integer >= 0');
      }
      if (f.reason !== undefined && typeof f.reason !== 'string')
        throw new FaultValidationError('pending.reason must be a string');
      return { type: 'pending', settleTo: f.settleTo, settleAfterMs: f.settleAfterMs, reason: f.reason };
    }
    case 'webhook': {
      onlyFor('webhook');
      if (f.mode !== 'duplicate' && f.mode !== 'early' && f.mode !== 'drop') {
        throw new FaultValidationError('webhook.mode must be duplicate, early or drop');
      }
      if (f.count !== undefined && !int(f.count, 1, 20))
        throw new FaultValidationError('webhook.count must be an integer from 1 to 20');
      return { type: 'webhook', mode: f.mode, count: f.count };
    }
    default:
      throw new FaultValidationError(
        'fault.type must be one of latency, http_error, timeout_after_commit, reset_before, decline, pending, webhook',
      );
  }
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === undefined) return false;
  if (expected === null || typeof expected !== 'object') {
    // Path params and form bodies are strings: compare 10.5 with "10.5" as equal.
    return actual !== null && typeof actual !== 'object' ? String(actual) === String(expected) : actual === expected;
  }
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/**
 * Registered faults, looked up per (gateway, operation) so matching costs the faults of that operation only, never
 * anything that grows with traffic.
 */
export class FaultRegistry {
  private readonly byOperation = new Map<string, ActiveFault[]>();
  private readonly byId = new Map<string, ActiveFault>();

  constructor(private readonly work: WorkCounter) {}

  add(request: FaultRequest): ActiveFault {
    const fault: ActiveFault = {
      id: newOpaqueId('flt_', 8),
      gateway: request.gateway,
      operation: request.operation,
      match: request.match ?? {},
      fault: request.fault,
      remaining: request.times ?? 1,
    };
    const key = `${fault.gateway}:${fault.operation}`;
    const list = this.byOperation.get(key);
    if (list) list.push(fault);
    else this.byOperation.set(key, [fault]);
    this.byId.set(fault.id, fault);
    return fault;
  }

  list(): ActiveFault[] {
    return [...this.byId.values()];
  }

  remove(id: string): boolean {
    const fault = this.byId.get(id);
    if (!fault) return false;
    this.byId.delete(id);
    const key = `${fault.gateway}:${fault.operation}`;
    const list = this.byOperation.get(key)?.filter((f) => f !== fault) ?? [];
    if (list.length) this.byOperation.set(key, list);
    else this.byOperation.delete(key);
    return true;
  }

  clear(): void {
    this.byOperation.clear();
    this.byId.clear();
  }

  /**
   * Takes (consumes one use of) the first matching fault of each type registered for this operation, in
   * registration order. `fields` are the request's body, path and query fields plus `account`.
   */
  take(gateway: FaultGateway, operation: string, fields: Record<string, unknown>): TakenFaults {
    const key = `${gateway}:${operation}`;
    const list = this.byOperation.get(key);
    const taken: TakenFaults = {};
    if (!list) return taken;
    let exhausted = false;
    for (const active of list) {
      this.work.count(1);
      if ((taken as Record<string, unknown>)[active.fault.type] !== undefined) continue;
      let ok = true;
      for (const [name, expected] of Object.entries(active.match)) {
        if (!sameValue(fields[name], expected)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      (taken as Record<string, unknown>)[active.fault.type] = active.fault;
      active.remaining -= 1;
      if (active.remaining <= 0) {
        exhausted = true;
        this.byId.delete(active.id);
      }
    }
    if (exhausted) {
      const rest = list.filter((f) => f.remaining > 0);
      if (rest.length) this.byOperation.set(key, rest);
      else this.byOperation.delete(key);
    }
    return taken;
  }
}
