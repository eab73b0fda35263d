import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { HttpService } from '@nestjs/axios';
import type { AxiosAdapter, AxiosResponse } from 'axios';

/** A PG call went through and the PG answered with the expected success body. */
export interface PgOk<T> {
  readonly kind: 'ok';
  /** HTTP status of the PG's answer (2xx). */
  readonly httpStatus: number;
  /** The PG's answer, checked against the expected shape. */
  readonly data: T;
}

/**
 * The PG answered and refused the request with its own error body (4xx, or PortOne's non-zero envelope `code`).
 * The PG did not perform the operation (the caller still decides what a given code means for its flow).
 */
export interface PgErrorResult<C> {
  readonly kind: 'pg_error';
  readonly httpStatus: number;
  /** The PG's error code (Toss: `NOT_FOUND_PAYMENT`…; PortOne: the envelope's numeric `code`). */
  readonly code: C;
  /** The PG's message, with any of our credentials redacted. */
  readonly message: string;
}

/** Local validation refused the input; nothing was sent. Retrying the same input can never succeed. */
export interface PgInvalidRequest {
  readonly kind: 'invalid_request';
  /** The offending input field (a path such as `body.cancelAmount`). */
  readonly field: string;
  readonly message: string;
}

/** Why a request certainly never reached the PG. */
export type PgNotSentReason =
  /** The URL could not be parsed or is not http(s). */
  | 'invalid_url'
  /** The host name did not resolve. */
  | 'dns_failure'
  /** Nothing listens on the port (TCP RST to our SYN). */
  | 'connection_refused'
  /** The socket did not connect (TCP + TLS) within the connect timeout, queueing for a pooled socket included. */
  | 'connect_timeout'
  /** The TLS handshake failed, so no HTTP bytes were sent. */
  | 'tls_failure'
  /** The caller's AbortSignal fired before the socket connected. */
  | 'aborted'
  /** PortOne only: no access token could be obtained, so the call itself was never made. */
  | 'auth_unavailable'
  /** Another error before the socket connected (EHOSTUNREACH, invalid header characters, …). */
  | 'network_error';

/** The request certainly never reached the PG: safe to send again as a new attempt. */
export interface PgNotSent {
  readonly kind: 'not_sent';
  readonly reason: PgNotSentReason;
  /** A short technical description (an error code, never a header or a secret). */
  readonly detail: string;
}

/** Why the outcome of a request that may have reached the PG is not known. */
export type PgUnknownReason =
  /** Connected and sent, but the full answer did not arrive within the response timeout. */
  | 'response_timeout'
  /** The connection broke after the request may have been written. */
  | 'connection_reset'
  /** The caller's AbortSignal fired after the request may have been written. */
  | 'aborted_after_send'
  /** The PG answered 5xx: it may or may not have done the work. */
  | 'server_error'
  /** The body is not JSON (or not the PG's envelope). */
  | 'unparseable_body'
  /** A body that parses but does not have the expected shape (including a 2xx that is not the expected object). */
  | 'unexpected_shape'
  /** A status the PG does not use for this call (1xx, 3xx, …). */
  | 'unexpected_status'
  /** The response violated HTTP or exceeded our size limit. */
  | 'invalid_response'
  /** Another network error after the socket connected. */
  | 'network_error';

/**
 * The request may have reached the PG and its outcome is not known: look the operation up at the PG before doing
 * anything else (never treat it as a failure, never blindly resend a non-idempotent call).
 */
export interface PgUnknown<C> {
  readonly kind: 'unknown';
  readonly reason: PgUnknownReason;
  readonly detail: string;
  /** Present when an HTTP answer arrived (5xx, unparseable, unexpected shape). */
  readonly httpStatus?: number;
  /** The PG's error code when a 5xx carried one. */
  readonly code?: C;
  /** The PG's message when a 5xx carried one (credentials redacted). */
  readonly message?: string;
}

/** What a transport attempt produced before any PG-specific interpretation. */
export type PgHttpOutcome =
  { readonly kind: 'response'; readonly httpStatus: number; readonly body: string } | PgNotSent | PgUnknown<never>;

/** One HTTP request to a PG. */
export interface PgHttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Absolute http(s) URL, path parameters already encoded. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Serialised body (JSON text), if any. */
  readonly body?: string;
  /** Time allowed to obtain a connected socket (TCP connect + TLS handshake, pool queueing included). */
  readonly connectTimeoutMs: number;
  /** Time allowed, once connected, for the complete answer to arrive. */
  readonly responseTimeoutMs: number;
  /** The caller's cancellation. */
  readonly signal?: AbortSignal;
}

/** Pool and DNS settings of a transport. */
export interface PgHttpTransportOptions {
  /** Upper bound of concurrent sockets per host (default 256). */
  readonly maxSockets?: number;
  /** Idle sockets kept per host (default 64). */
  readonly maxFreeSockets?: number;
  /** An idle pooled socket is closed after this long (default 15 s; a shorter server keep-alive hint wins). */
  readonly idleSocketTimeoutMs?: number;
  /** Largest response body accepted (default 2 MiB). */
  readonly maxResponseBytes?: number;
  /** Custom DNS lookup (tests, DNS caching). */
  readonly lookup?: LookupFunction;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface AttemptState {
  connected: boolean;
  reusedSocket: boolean;
  responseStarted: boolean;
  abortReason?: 'connect_timeout' | 'response_timeout' | 'caller';
}

/**
 * Sends PG requests over keep-alive agents and classifies every failure by whether the request can have reached the
 * PG. The rule: a request whose socket never connected was certainly not sent; once the socket is connected, Node
 * writes the request in the same tick, so any later failure may have reached the PG and is `unknown`.
 */
export class PgHttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;
  private readonly lookup?: LookupFunction;

  constructor(
    private readonly httpService: HttpService,
    options: PgHttpTransportOptions = {},
  ) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 256,
      maxFreeSockets: options.maxFreeSockets ?? 64,
      // For idle pooled sockets only: Node destroys a free socket on timeout, not one in use.
      timeout: options.idleSocketTimeoutMs ?? 15_000,
      scheduling: 'lifo' as const,
      // The same TCP keep-alive delay axios's http adapter sets on every request's socket (60 s): with Node's default
      // (1 s) the agent and axios set it back and forth, two setsockopt calls per request.
      keepAliveMsecs: 60_000,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.maxResponseBytes = options.maxResponseBytes ?? 2 * 1024 * 1024;
    this.lookup = options.lookup;
  }

  /** Closes pooled sockets. Calls made afterwards still work (they open new sockets). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async send(request: PgHttpRequest): Promise<PgHttpOutcome> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notSent('invalid_url', 'the URL does not parse');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return notSent('invalid_url', `protocol ${url.protocol}`);
    if (request.signal?.aborted) return notSent('aborted', 'aborted before sending');

    const first = await this.attempt(request, url);
    // A pooled socket the server closed while idle fails on first use. Only a GET is resent, and only when no byte
    // of an answer came back: it has no effect at the PG, so a second attempt cannot double anything.
    if (first.outcome.kind === 'unknown' && first.staleSocket && request.method === 'GET' && !request.signal?.aborted) {
      return (await this.attempt(request, url)).outcome;
    }
    return first.outcome;
  }

  private async attempt(request: PgHttpRequest, url: URL): Promise<{ outcome: PgHttpOutcome; staleSocket: boolean }> {
    const state: AttemptState = { connected: false, reusedSocket: false, responseStarted: false };
    let responseTimer: NodeJS.Timeout | undefined;
    // Destroying the request is the cancellation: an AbortController per call would be a cost on every call.
    let inFlight: http.ClientRequest | undefined;
    const abort = (reason: NonNullable<AttemptState['abortReason']>) => {
      state.abortReason ??= reason;
      inFlight?.destroy(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    const connectTimer = setTimeout(() => {
      if (!state.connected) abort('connect_timeout');
    }, request.connectTimeoutMs);
    const onConnected = () => {
      if (state.connected) return;
      state.connected = true;
      clearTimeout(connectTimer);
      responseTimer = setTimeout(() => abort('response_timeout'), request.responseTimeoutMs);
    };
    const onCallerAbort = () => abort('caller');
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const { lookup, maxResponseBytes, httpAgent, httpsAgent } = this;
    // One node:http exchange with a text body. It replaces axios's http adapter (redirects, proxies, decompression,
    // progress streams, data URIs), none of which a PG call uses and all of which cost CPU on every call (`npm run bench:outbound`).
    const exchange = (method: string, target: URL, headers: Record<string, string>, body: string | undefined) =>
      new Promise<Exchanged>((resolve, reject) => {
        if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
        if (state.abortReason) {
          reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
          return;
        }
        if (target.protocol !== 'http:' && target.protocol !== 'https:') {
          reject(Object.assign(new Error(`protocol ${target.protocol}`), { code: 'ERR_INVALID_URL' }));
          return;
        }
        const options: http.RequestOptions = {
          method,
          headers,
          agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
        };
        if (lookup) options.lookup = lookup;
        const req = (target.protocol === 'https:' ? https : http).request(target, options, (res) => {
          state.responseStarted = true;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              res.destroy();
              reject(Object.assign(new Error('response larger than the limit'), { code: 'ERR_BAD_RESPONSE' }));
              return;
            }
            chunks.push(chunk);
          });
          res.once('end', () =>
            resolve({ res, req, body: (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8') }),
          );
          // The connection broke mid-answer (Node reports ECONNRESET 'aborted'; 'close' covers a silent close).
          res.once('error', reject);
          res.once('close', () => {
            if (!res.complete) reject(Object.assign(new Error('the answer was cut short'), { code: 'ECONNRESET' }));
          });
        });
        inFlight = req;
        req.once('error', reject);
        // Node emits 'socket' before it writes the request, so a socket that is not usable here got none of it.
        req.once('socket', (socket: Socket) => {
          state.reusedSocket = req.reusedSocket;
          if (socket.destroyed) return; // failed already (DNS, refused): never connected
          if (req.reusedSocket) onConnected();
          else if (socket instanceof TLSSocket) socket.once('secureConnect', onConnected);
          else if (socket.connecting) socket.once('connect', onConnected);
          else if (socket.readyState === 'open') onConnected();
        });
        req.end(body);
      });

    // identity: nothing decompresses (a compressed answer would be unparseable, so unknown, never wrong).
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Accept-Encoding': 'identity',
      'User-Agent': 'paypal-billing-pg-client',
      ...request.headers,
    };
    try {
      const axios = this.httpService.axiosRef;
      // With no interceptor on the module's axios instance, axios's core would only merge configs and headers around
      // the exchange, work a billing run's profile showed on every call. Interceptors (tracing, a proxy
      // prefix) are honoured: the instance then runs as usual, with the exchange as its adapter.
      if (!hasHandlers(axios.interceptors.request) && !hasHandlers(axios.interceptors.response)) {
        const { res, body } = await exchange(request.method, url, headers, request.body);
        return { outcome: { kind: 'response', httpStatus: res.statusCode ?? 0, body }, staleSocket: false };
      }
      const adapter: AxiosAdapter = async (config) => {
        // What the interceptors left of the request (the URL and method only change if one rewrote them).
        const target = config.url === url.href ? url : new URL(config.url ?? '');
        const out = await exchange(
          (config.method ?? request.method).toUpperCase(),
          target,
          config.headers.toJSON(true) as Record<string, string>,
          typeof config.data === 'string' ? config.data : undefined,
        );
        return {
          data: out.body,
          status: out.res.statusCode ?? 0,
          statusText: out.res.statusMessage ?? '',
          headers: out.res.headers as AxiosResponse['headers'],
          config,
          request: out.req,
        };
      };
      // The instance is called directly: HttpService.request() wraps each call in an Observable that, on completion,
      // cancels a per-request CancelToken (an Error with a stack, every call).
      const res = await axios.request<string>({
        url: url.href,
        method: request.method,
        headers,
        data: request.body,
        adapter,
        // Our own timers replace axios's single timeout, which cannot tell connecting from waiting for an answer.
        timeout: 0,
        // The body is already JSON text; axios's default would parse it once more to check.
        transformRequest: [(data: unknown) => data],
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
      });
      const body = typeof res.data === 'string' ? res.data : String(res.data ?? '');
      return { outcome: { kind: 'response', httpStatus: res.status, body }, staleSocket: false };
    } catch (err) {
      return classifyFailure(err, state);
    } finally {
      clearTimeout(connectTimer);
      if (responseTimer) clearTimeout(responseTimer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }
}

interface Exchanged {
  res: http.IncomingMessage;
  req: http.ClientRequest;
  body: string;
}

/** Whether an axios interceptor stack holds a live handler (ejected ones leave a null behind). */
function hasHandlers(manager: { handlers?: ReadonlyArray<unknown> }): boolean {
  return (manager.handlers ?? []).some((h) => h !== null && h !== undefined);
}

function classifyFailure(err: unknown, state: AttemptState): { outcome: PgHttpOutcome; staleSocket: boolean } {
  // Only the error's code is kept: axios errors carry the request config, headers included.
  const code = errorCode(err);
  if (!state.connected) {
    if (state.abortReason === 'connect_timeout')
      return { outcome: notSent('connect_timeout', 'no connected socket in time'), staleSocket: false };
    if (state.abortReason === 'caller')
      return { outcome: notSent('aborted', 'aborted before the socket connected'), staleSocket: false };
    if (code === 'ECONNREFUSED') return { outcome: notSent('connection_refused', code), staleSocket: false };
    if (DNS_CODES.has(code)) return { outcome: notSent('dns_failure', code), staleSocket: false };
    if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(code)) {
      return { outcome: notSent('tls_failure', code), staleSocket: false };
    }
    return { outcome: notSent('network_error', code), staleSocket: false };
  }
  if (state.abortReason === 'response_timeout')
    return { outcome: unknown('response_timeout', 'no complete answer in time'), staleSocket: false };
  if (state.abortReason === 'caller')
    return { outcome: unknown('aborted_after_send', 'aborted after the request was sent'), staleSocket: false };
  if (RESET_CODES.has(code)) {
    return { outcome: unknown('connection_reset', code), staleSocket: state.reusedSocket && !state.responseStarted };
  }
  if (code === 'ERR_BAD_RESPONSE' || code.startsWith('HPE_'))
    return { outcome: unknown('invalid_response', code), staleSocket: false };
  return { outcome: unknown('network_error', code), staleSocket: false };
}

function errorCode(err: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = err;
  // axios sometimes wraps the socket error; the innermost code is the informative one.
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const c = (current as { code?: unknown }).code;
    const cause = (current as { cause?: unknown }).cause;
    if (typeof c === 'string' && c !== 'ERR_NETWORK' && !(c === 'ERR_CANCELED' && cause)) return safeCode(c);
    current = cause;
  }
  return 'UNKNOWN_ERROR';
}

function safeCode(code: string): string {
  return /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'UNKNOWN_ERROR';
}

function notSent(reason: PgNotSentReason, detail: string): PgNotSent {
  return { kind: 'not_sent', reason, detail };
}

function unknown(reason: PgUnknownReason, detail: string): PgUnknown<never> {
  return { kind: 'unknown', reason, detail };
}

/** Parses JSON without throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Replaces every occurrence of the given secrets (ignoring empty ones) with `[REDACTED]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out;
}

/** Counts characters as code points, as PGs count "characters". */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
