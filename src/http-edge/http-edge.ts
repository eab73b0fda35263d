import type { IncomingHttpHeaders, Server } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpEdgeConfig } from '../config/configuration';
import { AppLogger } from '../logging/app-logger';
import { installAccessLog } from '../logging/access-log';

/**
 * The edge of the process, where a hostile client meets us before any Nest code runs: header, request and idle
 * deadlines, a minimum transfer rate for bodies, and a cap per client address. Nothing here reads the database.
 */

/** Options for `new FastifyAdapter(...)`: Fastify applies these to the Node server it creates. */
export function edgeServerOptions(cfg: HttpEdgeConfig) {
  return {
    trustProxy: cfg.trustProxy,
    connectionTimeout: cfg.idleTimeoutMs,
    keepAliveTimeout: cfg.keepAliveTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
  };
}

/** Installs the deadlines, caps, body-rate guard, abort handling and access log on the app's Fastify instance. */
export function installHttpEdge(app: NestFastifyApplication, cfg: HttpEdgeConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const log = app.get(AppLogger);
  const server = fastify.server as Server;
  server.headersTimeout = cfg.headersTimeoutMs;
  // Node enforces headersTimeout/requestTimeout on a sweep; its default period would stretch a deadline a lot.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = clamp(
    Math.min(cfg.headersTimeoutMs, cfg.requestTimeoutMs) / 4,
    50,
    5_000,
  );

  const proxies = trustedProxies(cfg.trustProxy);
  capConnections(server, cfg.maxConnectionsPerAddress, proxies, log);
  closeSilentSockets(server, cfg.headersTimeoutMs);
  capInFlight(app, cfg.maxConnectionsPerAddress);
  guardBodyRate(app, cfg, log);

  // A client that went away is not our error: one debug line, no stack, no 5xx logged.
  fastify.addHook('onRequestAbort', (request, done) => {
    log.debug({
      msg: 'request aborted by client',
      requestId: request.id,
      method: request.method,
      route: request.routeOptions?.url,
    });
    done();
  });
  installAccessLog(app, log);
}

/**
 * Direct clients: at most `cap` open sockets per remote address; the next is closed at once (a flood then costs no
 * file descriptors). A trusted proxy's sockets are not capped here: the cap applies to the clients it forwards
 * (capInFlight).
 */
function capConnections(server: Server, cap: number, proxies: BlockList | undefined, log: AppLogger): void {
  const open = new Map<string, number>();
  server.prependListener('connection', (socket: Socket) => {
    const remote = plainAddress(socket.remoteAddress);
    if (!remote || isTrusted(proxies, remote)) return;
    const address = clientKey(remote);
    const count = open.get(address) ?? 0;
    if (count >= cap) {
      log.debug({ msg: 'connection refused: per-address cap', address, cap });
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/**
 * Node's header deadline starts at a request's first byte, so a socket that never sends one would be held until the
 * idle timeout. It gets the header deadline too.
 */
function closeSilentSockets(server: Server, deadlineMs: number): void {
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, deadlineMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/** At most `cap` requests in flight per client address (the forwarded one behind a trusted proxy). */
function capInFlight(app: NestFastifyApplication, cap: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const inFlight = new Map<string, number>();
  fastify.addHook('onRequest', (request, reply, done) => {
    const ip = clientKey(request.ip);
    const count = inFlight.get(ip) ?? 0;
    if (count >= cap) {
      void sendError(request, reply, 429, 'TOO_MANY_CONNECTIONS', 'Too many concurrent requests from this address');
      return;
    }
    inFlight.set(ip, count + 1);
    reply.raw.once('close', () => {
      const left = (inFlight.get(ip) ?? 1) - 1;
      if (left > 0) inFlight.set(ip, left);
      else inFlight.delete(ip);
    });
    done();
  });
}

interface Watched {
  started: number;
  bytes: number;
  source: Readable;
  sink: PassThrough;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * Bodies pass through a meter. After the grace period a body arriving below the minimum rate is cut with a 408 in our
 * error body and the socket closed. A body whose client went away stops here quietly: the parser never sees the
 * socket error, so it is not reported as a server error (onRequestAbort logs it at debug).
 */
function guardBodyRate(app: NestFastifyApplication, cfg: HttpEdgeConfig, log: AppLogger): void {
  const fastify = app.getHttpAdapter().getInstance();
  const watched = new Set<Watched>();
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (!hasBody(request.headers)) {
      done(null, payload);
      return;
    }
    const sink = new PassThrough();
    const entry: Watched = { started: performance.now(), bytes: 0, source: payload, sink, request, reply };
    payload.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
    });
    payload.once('end', () => watched.delete(entry));
    payload.once('error', () => {
      watched.delete(entry);
      payload.unpipe(sink);
    });
    payload.pipe(sink);
    if (cfg.minBodyRateBps > 0) watched.add(entry);
    done(null, sink);
  });

  const timer = setInterval(
    () => {
      const now = performance.now();
      for (const entry of watched) {
        const elapsed = now - entry.started;
        if (elapsed < cfg.bodyRateGraceMs || entry.bytes / (elapsed / 1000) >= cfg.minBodyRateBps) continue;
        watched.delete(entry);
        entry.source.unpipe(entry.sink);
        const { request, reply } = entry;
        log.debug({
          msg: 'request body too slow: cut',
          requestId: request.id,
          bytes: entry.bytes,
          elapsedMs: Math.round(elapsed),
        });
        const socket = request.raw.socket;
        if (reply.sent) {
          socket?.destroy();
          continue;
        }
        reply.raw.once('finish', () => socket?.destroy());
        void sendError(
          request,
          reply.header('connection', 'close'),
          408,
          'REQUEST_TIMEOUT',
          'Request body arrived too slowly',
        );
      }
    },
    clamp(cfg.bodyRateGraceMs / 2, 50, 1_000),
  );
  timer.unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });
}

function sendError(request: FastifyRequest, reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply
    .code(statusCode)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ statusCode, code, message, requestId: String(request.id) }));
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

const KEYWORDS: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

/** The same list Fastify's trustProxy is given (validated in src/config), as a BlockList for socket addresses. */
export function trustedProxies(trustProxy: string[] | false): BlockList | undefined {
  if (!trustProxy) return undefined;
  const list = new BlockList();
  for (const entry of trustProxy) {
    const subnets = KEYWORDS[entry] ?? [];
    if (!KEYWORDS[entry]) {
      const [ip, bits] = entry.split('/');
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      subnets.push([ip, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type]);
    }
    for (const [net, prefix, type] of subnets) list.addSubnet(net, prefix, type);
  }
  return list;
}

function isTrusted(list: BlockList | undefined, address: string): boolean {
  return !!list && list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** One client, one key: an IPv6 client holds a whole /64, so it is counted as one (as the throttler does). */
export function clientKey(address: string): string {
  return normalizeIp(plainAddress(address) ?? address, 64);
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack listener) is 1.2.3.4. */
function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(value)));
}
