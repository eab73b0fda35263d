/**
 * The one HTTP seam of the reference adapter: plain `fetch`, classified by what we can prove about the request.
 * Only failures that happen before a connection exists prove the PG never saw the request (NOT_SENT); anything after
 * the request may have been written (timeout, reset, 5xx) is UNKNOWN.
 */

/** Socket error codes raised before any byte of the request could reach the PG. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** An HTTP answer, body parsed as JSON (`json` undefined when it was not JSON). */
export interface HttpAnswer {
  readonly kind: 'answer';
  readonly httpStatus: number;
  readonly json: unknown;
}

/** The request never reached the PG. */
export interface HttpNotSent {
  readonly kind: 'not_sent';
  readonly code: string;
  readonly message: string;
}

/** The request may have reached the PG; no answer. */
export interface HttpUnknown {
  readonly kind: 'unknown';
  readonly reason: 'timeout' | 'connection';
  readonly message: string;
}

/** What one HTTP exchange came to. */
export type HttpResult = HttpAnswer | HttpNotSent | HttpUnknown;

/** One request. `headers` may carry a token: it is never copied into a result or an error message. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/** Sends a JSON request and classifies the result. Never throws. */
export async function sendJson(req: HttpRequest): Promise<HttpResult> {
  if (req.signal?.aborted) return { kind: 'not_sent', code: 'ABORTED', message: 'aborted before sending' };
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal,
    });
  } catch (err) {
    return classifyFailure(err, timeout);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    // Headers arrived, the body did not: the PG answered, we cannot read what.
    return classifyFailure(err, timeout);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { kind: 'answer', httpStatus: res.status, json };
}

function classifyFailure(err: unknown, timeout: AbortSignal): HttpNotSent | HttpUnknown {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || timeout.aborted) return { kind: 'unknown', reason: 'timeout', message: 'no answer before the timeout' };
  if (name === 'AbortError') return { kind: 'unknown', reason: 'connection', message: 'aborted by the caller after sending' };
  const code = errorCode(err);
  if (code && NEVER_CONNECTED.has(code)) return { kind: 'not_sent', code, message: `could not connect (${code})` };
  return { kind: 'unknown', reason: 'connection', message: `connection lost${code ? ` (${code})` : ''}` };
}
