import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { REDACT_PATHS } from './logging.options';

type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVELS: Record<LogLevel, PinoLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nest's LoggerService over pino. Replaces nestjs-pino, whose Nest 12 release needs Node 22.12 (we run on 20.19).
 * Same call shapes as before: `log(obj, msg?, context?)` or `log(msg, context?)`, the context (which Nest's `Logger`
 * appends as the last argument) under `context`, an Error under `err`.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.call('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.call('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  private call(level: LogLevel, message: unknown, params: unknown[]): void {
    const log = this.pino[LEVELS[level]].bind(this.pino);
    const fields: Record<string, unknown> = {};
    // Nest's Logger passes its context last; a bare call (app.get(AppLogger).log(obj)) has none.
    let rest = params;
    if (params.length > 0) {
      fields.context = params[params.length - 1];
      rest = params.slice(0, -1);
    }
    if (message instanceof Error) {
      fields.err = message;
      log(fields, ...(rest as [string?]));
    } else if (typeof message === 'object' && message !== null) {
      log({ ...fields, ...message }, ...(rest as [string?]));
    } else if (level === 'error' && rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      // Nest's own `error(message, stack, context)`: keep the stack as an error, not as a format argument.
      const err = new Error(String(message));
      err.stack = rest[0];
      log({ ...fields, err });
    } else {
      log(fields, String(message), ...(rest as []));
    }
  }
}

/**
 * The process's pino logger: JSON lines to `stream` (tests) or stdout; pretty lines when `pretty` is asked and
 * pino-pretty (a dev dependency) can be loaded, which a production install does not have.
 */
export function createPino(level: string, opts: { stream?: DestinationStream; pretty?: boolean } = {}): Pino {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  const stream = opts.stream ?? (opts.pretty ? prettyStream() : undefined);
  return stream ? pino(options, stream) : pino(options);
}

/** Pretty lines outside production on a terminal; JSON for files, pipes and log shippers. */
export function wantsPretty(production: boolean, isTty: boolean | undefined): boolean {
  return !production && isTty === true;
}

function prettyStream(): DestinationStream | undefined {
  try {
    // Loaded only when present: a production install (npm ci --omit=dev) leaves it out.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
  } catch {
    return undefined;
  }
}
