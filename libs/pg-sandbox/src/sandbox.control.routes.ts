import type { FastifyInstance } from 'fastify';
import { FaultValidationError } from './sandbox.faults';
import { LEDGER_MAX_LIMIT, type LedgerQuery } from './sandbox.ledger';
import type { PgSandbox } from './sandbox';

type Obj = Record<string, unknown>;

function nonNegativeInt(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : -1;
}

/**
 * Parses ledger filters: the gateway's reference (`merchant_uid` or `orderId`, also accepted as `ref`), `account`,
 * `operation`, `outcome`, `after` (a seq) and `limit` (1-1000, default 100).
 */
export function ledgerQuery(
  q: Obj,
  refName: 'merchant_uid' | 'orderId',
): LedgerQuery | { error: string; message: string } {
  const after = nonNegativeInt(q.after);
  const limit = nonNegativeInt(q.limit);
  if (after !== undefined && after < 0) return { error: 'INVALID', message: 'after must be a non-negative integer' };
  if (limit !== undefined && (limit < 1 || limit > LEDGER_MAX_LIMIT)) {
    return { error: 'INVALID', message: `limit must be an integer from 1 to ${LEDGER_MAX_LIMIT}` };
  }
  const text = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : undefined);
  return {
    ref: text(refName) ?? text('ref'),
    account: text('account'),
    operation: text('operation'),
    outcome: text('outcome'),
    after,
    limit,
  };
}

/** `/faults`, `/clock`, `/idle`, `/webhooks`, `/stats`, `/reset` under `<prefix>/control` (the clock at `<prefix>/clock`). */
export function registerControlRoutes(app: FastifyInstance, sandbox: PgSandbox): void {
  app.post('/control/faults', (req, reply) => {
    try {
      const fault = sandbox.addFault(req.body);
      return reply.code(201).send({ id: fault.id });
    } catch (err) {
      if (err instanceof FaultValidationError)
        return reply.code(400).send({ error: 'INVALID_FAULT', message: err.message });
      throw err;
    }
  });
  app.get('/control/faults', (_req, reply) => reply.send({ data: sandbox.faults.list() }));
  app.delete('/control/faults', (_req, reply) => {
    const cleared = sandbox.faults.list().length;
    sandbox.faults.clear();
    return reply.send({ cleared });
  });
  app.delete('/control/faults/:id', (req, reply) => {
    const removed = sandbox.faults.remove((req.params as Obj).id as string);
    return removed
      ? reply.send({ removed: true })
      : reply.code(404).send({ error: 'NOT_FOUND', message: 'unknown fault id' });
  });

  const clockView = () => ({
    now: new Date(sandbox.clock.now()).toISOString(),
    nowMs: sandbox.clock.now(),
    offsetMs: sandbox.clock.offset(),
  });
  app.get('/clock', (_req, reply) => reply.send(clockView()));
  app.post('/clock', (req, reply) => {
    const advanceMs = (req.body as Obj | undefined)?.advanceMs;
    if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0) {
      return reply.code(400).send({
        error: 'INVALID',
        message: 'advanceMs must be a finite number >= 0 (the sandbox clock never goes back)',
      });
    }
    sandbox.advance(advanceMs);
    return reply.send(clockView());
  });

  app.post('/control/idle', async (req, reply) => {
    const t = nonNegativeInt((req.query as Obj).timeoutMs);
    if (t !== undefined && (t < 0 || t > 60_000))
      return reply.code(400).send({ error: 'INVALID', message: 'timeoutMs must be 0-60000' });
    const idle = await sandbox.idle(t ?? 10_000);
    return reply.send({ idle, busy: sandbox.webhooks.busy(), scheduled: sandbox.scheduler.size() });
  });

  app.get('/control/webhooks', (req, reply) => {
    const q = req.query as Obj;
    const after = nonNegativeInt(q.after);
    const limit = nonNegativeInt(q.limit);
    if ((after !== undefined && after < 0) || (limit !== undefined && (limit < 1 || limit > 1000))) {
      return reply.code(400).send({ error: 'INVALID', message: 'after >= 0, limit 1-1000' });
    }
    const text = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : undefined);
    return reply.send({
      data: sandbox.webhooks.deliveries({ account: text('account'), gateway: text('gateway'), after, limit }),
    });
  });

  app.get('/control/stats', (_req, reply) => reply.send(sandbox.stats()));
  app.post('/control/reset', (_req, reply) => {
    sandbox.reset();
    return reply.send({ reset: true });
  });
}
