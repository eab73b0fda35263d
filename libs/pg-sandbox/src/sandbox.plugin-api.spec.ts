import Fastify from 'fastify';
import { pgSandboxPlugin } from './sandbox.plugin';
import { sandboxAccountOf, sandboxPluginProblems, tossSandboxPlugin, type SandboxPlugin } from './sandbox.plugin-api';
import { createPgSandbox } from './sandbox';

/** A gateway's own test double, as a new PG brings it: no edit to this library. */
function echoPlugin(): SandboxPlugin & { calls: number } {
  const plugin = {
    name: 'Echo PG',
    prefix: 'echo-pg',
    calls: 0,
    faultOperations: ['charge'],
    sandboxCredentials: (merchantId: string) => ({ secret: `echo_${sandboxAccountOf(merchantId)}` }),
    register: async (app: Parameters<SandboxPlugin['register']>[0], ctx: Parameters<SandboxPlugin['register']>[1]) => {
      app.post('/v1/charge', async (req, reply) => {
        await ctx.runner.run(
          {
            gateway: 'echo-pg',
            operation: 'charge',
            authenticate: () => ({ account: 'acct', credential: 'k' }),
            handle: () => (plugin.calls++, { status: 200, body: { ok: true, at: ctx.sandbox.now() } }),
          },
          req,
          reply,
        );
        return reply;
      });
    },
  };
  return plugin;
}

describe('sandbox plugins', () => {
  it('mounts a gateway’s own plugin at /sandbox/<prefix> beside the control routes, with faults on its operations', async () => {
    const sandbox = createPgSandbox();
    const plugin = echoPlugin();
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox, plugins: [plugin] });
    try {
      const ok = await app.inject({ method: 'POST', url: '/sandbox/echo-pg/v1/charge', payload: {} });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ ok: true });
      // Only the plugins given are mounted.
      expect(
        (await app.inject({ method: 'POST', url: '/sandbox/toss/v1/payments/confirm', payload: {} })).statusCode,
      ).toBe(404);
      const fault = await app.inject({
        method: 'POST',
        url: '/sandbox/control/faults',
        payload: { gateway: 'echo-pg', operation: 'charge', fault: { type: 'http_error', status: 503 } },
      });
      expect(fault.statusCode).toBe(201);
      const failed = await app.inject({ method: 'POST', url: '/sandbox/echo-pg/v1/charge', payload: {} });
      expect(failed.statusCode).toBe(503);
      expect(plugin.calls).toBe(1);
      const unknownOp = await app.inject({
        method: 'POST',
        url: '/sandbox/control/faults',
        payload: { gateway: 'echo-pg', operation: 'refund', fault: { type: 'http_error', status: 503 } },
      });
      expect(unknownOp.statusCode).toBe(400);
    } finally {
      await app.close();
      sandbox.close();
    }
  });

  it('refuses a bad prefix, the prefixes the sandbox itself uses, and a plugin listed twice', () => {
    const p = (prefix: string) => ({ ...echoPlugin(), prefix });
    expect(sandboxPluginProblems([p('echo-pg'), p('other')])).toEqual([]);
    expect(sandboxPluginProblems([p('Echo')]).join()).toMatch(/must match/);
    expect(sandboxPluginProblems([p('control')]).join()).toMatch(/sandbox's own/);
    const once = p('echo-pg');
    expect(sandboxPluginProblems([once, once]).join()).toMatch(/listed twice/);
  });

  it('lets another product of a simulated PG share its prefix: its routes and fault operations join the PG’s', async () => {
    const sandbox = createPgSandbox();
    const billing: SandboxPlugin = {
      name: 'Toss automatic billing (test)',
      prefix: 'toss',
      faultOperations: ['billingAuth'],
      sandboxCredentials: () => ({}),
      register: async (app, ctx) => {
        app.post('/buyer/billing-auth', async (req, reply) => {
          await ctx.runner.run(
            {
              gateway: 'toss',
              operation: 'billingAuth',
              authenticate: () => ({ account: 'a', credential: 'c' }),
              handle: () => ({ status: 200, body: { redirectUrl: 'x' } }),
            },
            req,
            reply,
          );
          return reply;
        });
      },
    };
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox, plugins: [tossSandboxPlugin, billing] });
    try {
      expect(
        (await app.inject({ method: 'POST', url: '/sandbox/toss/buyer/billing-auth', payload: {} })).json(),
      ).toEqual({ redirectUrl: 'x' });
      // The built-in Toss routes and operations are still there.
      expect(
        (await app.inject({ method: 'POST', url: '/sandbox/toss/v1/payments/confirm', payload: {} })).statusCode,
      ).toBe(401);
      for (const operation of ['confirm', 'billingAuth']) {
        expect(
          (
            await app.inject({
              method: 'POST',
              url: '/sandbox/control/faults',
              payload: { gateway: 'toss', operation, fault: { type: 'decline', code: 'X' } },
            })
          ).statusCode,
        ).toBe(201);
      }
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/sandbox/control/faults',
            payload: { gateway: 'toss', operation: 'billingAuth', fault: { type: 'pending' } },
          })
        ).statusCode,
      ).toBe(400);
    } finally {
      await app.close();
      sandbox.close();
    }
  });

  it('derives sandbox accounts deterministically from the merchant id', () => {
    expect(sandboxAccountOf('mch_1')).toBe(sandboxAccountOf('mch_1'));
    expect(sandboxAccountOf('mch_1')).not.toBe(sandboxAccountOf('mch_2'));
    expect(sandboxAccountOf('mch_1')).toMatch(/^[A-Za-z0-9-]{1,40}$/);
  });
});
