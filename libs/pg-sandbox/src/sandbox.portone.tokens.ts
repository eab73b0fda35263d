import type { FastifyRequest } from 'fastify';
import type { SandboxClock } from './sandbox.clock';
import { accountOfPortoneKeyPair } from './sandbox.credentials';
import { newOpaqueId, unixSeconds } from './sandbox.format';
import type { Authentication, PgAnswer, PgContext } from './sandbox.http';
import {
  bodyOf,
  ok,
  PORTONE_TOKEN_EXTEND_S,
  PORTONE_TOKEN_RENEW_BELOW_S,
  PORTONE_TOKEN_TTL_S,
  refuse,
} from './sandbox.portone.model';

/** PortOne access tokens: one live token per account, shared by every server that asks (`POST /users/getToken`). */
export class PortoneTokens {
  private readonly tokens = new Map<string, { account: string; expiresAt: number }>();
  private readonly tokenOf = new Map<string, string>();

  constructor(private readonly clock: SandboxClock) {}

  reset(): void {
    this.tokens.clear();
    this.tokenOf.clear();
  }

  /**
   * `Authorization: <token>`, `Bearer <token>` (and `Basic <token>`, as seed 004's example sends it), or the legacy
   * `X-ImpTokenHeader`. Missing, unknown or expired -> HTTP 401 with code -1.
   */
  authenticate(req: FastifyRequest): Authentication {
    const raw = req.headers.authorization ?? req.headers['x-imptokenheader'];
    const header = typeof raw === 'string' ? raw.trim() : '';
    const token = header.replace(/^(Bearer|Basic)\s+/i, '');
    const t = token ? this.tokens.get(token) : undefined;
    if (!t || t.expiresAt <= unixSeconds(this.clock.now())) return { reject: refuse(401, 'Unauthorized') };
    return { account: t.account, credential: token };
  }

  /** `POST /users/getToken`. */
  getToken(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const account = accountOfPortoneKeyPair(b.imp_key, b.imp_secret);
    if (!account) return refuse(401, 'imp_key, imp_secret 인증에 실패하였습니다.');
    const now = unixSeconds(this.clock.now());
    const current = this.tokenOf.get(account);
    const existing = current ? this.tokens.get(current) : undefined;
    if (current && existing && existing.expiresAt > now) {
      // Several servers share one token: the same token comes back, stretched when it is about to lapse.
      if (existing.expiresAt - now < PORTONE_TOKEN_RENEW_BELOW_S) existing.expiresAt += PORTONE_TOKEN_EXTEND_S;
      return ok({ access_token: current, now, expired_at: existing.expiresAt });
    }
    if (current) this.tokens.delete(current);
    const token = newOpaqueId('', 20);
    this.tokens.set(token, { account, expiresAt: now + PORTONE_TOKEN_TTL_S });
    this.tokenOf.set(account, token);
    return ok({ access_token: token, now, expired_at: now + PORTONE_TOKEN_TTL_S });
  }
}
