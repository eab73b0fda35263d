import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { SIGNATURE_HEADER, signPayload } from './verify-signature';
import {
  hostOf,
  resolveAllowed,
  type Resolver,
  systemResolver,
  UrlRefused,
  type UrlPolicy,
} from './webhook-url.policy';

export interface SendResult {
  /** The HTTP status, or null when there was no answer (refused address, connection error, deadline). */
  statusCode: number | null;
  /** Why it did not end the delivery: short, never the response body or a secret. */
  error?: string;
}

/** Bytes of a receiver's answer we read (and drop): enough to let keep-alive reuse the socket. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one signed event. The host is resolved here, every address checked against the URL policy, and the socket
 * connects to the checked address (the `lookup` hook answers with it), so a DNS answer changed between the check and
 * the connection cannot redirect the request. One deadline covers connect to the end of the answer.
 */
export class DeliverySender {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs: number,
    maxSockets: number,
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets }),
    };
  }

  /**
   * With `secret`, adds `Billing-Signature` stamped with the wall-clock time of this POST: receivers check `t` against
   * their own clock, so the app's test clock (moved forward in sandbox mode) must not stamp it.
   */
  async send(rawUrl: string, body: string, headers: Record<string, string>, secret?: string): Promise<SendResult> {
    let url: URL;
    let target: { address: string; family: number };
    try {
      url = new URL(rawUrl);
      if (this.policy.production && url.protocol !== 'https:') throw new UrlRefused('only https URLs');
      target = await resolveAllowed(hostOf(url), this.policy, this.resolver);
    } catch (err) {
      return { statusCode: null, error: err instanceof UrlRefused ? `refused: ${err.message}` : 'invalid URL' };
    }
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) callback(null, [target]);
      else callback(null, target.address, target.family);
    };
    const secure = url.protocol === 'https:';
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const done = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          lookup,
          headers: {
            ...headers,
            ...(secret === undefined
              ? {}
              : { [SIGNATURE_HEADER]: signPayload(body, secret, Math.floor(Date.now() / 1000)) }),
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'billing-webhooks/1',
          },
        },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) res.destroy();
          });
          const status = res.statusCode ?? 0;
          const finish = () =>
            done(
              status >= 200 && status < 300 ? { statusCode: status } : { statusCode: status, error: `HTTP ${status}` },
            );
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', finish);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({ statusCode: null, error: 'timed out' });
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        done({ statusCode: null, error: `connection failed${err.code ? ` (${err.code})` : ''}` }),
      );
      req.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
