import { z } from 'zod';
import { pgNonEmptyString, pgString, shapeProblem } from '@app/pg-http';
import {
  tossWebhookCancelShape,
  tossWebhookPaymentShape,
  type TossWebhookCancelData,
  type TossWebhookPaymentData,
} from './toss.types';

/** A payment reached DONE, CANCELED, PARTIAL_CANCELED, ABORTED or EXPIRED. */
export interface TossPaymentStatusChangedEvent {
  readonly eventType: 'PAYMENT_STATUS_CHANGED';
  /** When Toss created the event (`yyyy-MM-ddTHH:mm:ss.SSS`, as sent). */
  readonly createdAt: string;
  readonly data: TossWebhookPaymentData;
}

/** A foreign easy pay cancel finished (DONE or ABORTED). */
export interface TossCancelStatusChangedEvent {
  readonly eventType: 'CANCEL_STATUS_CHANGED';
  readonly createdAt: string;
  readonly data: TossWebhookCancelData;
}

/** A Toss webhook this product handles. */
export type TossWebhookEvent = TossPaymentStatusChangedEvent | TossCancelStatusChangedEvent;

/** Delivery headers: a dedup key and the retry counter. */
export interface TossWebhookTransmission {
  /** `tosspayments-webhook-transmission-id`: unique per webhook, the same on every retry of it. */
  readonly id?: string;
  /** `tosspayments-webhook-transmission-retried-count`. */
  readonly retriedCount?: number;
}

/** Why a webhook body was not accepted. */
export type TossWebhookRejection =
  /** A string or Buffer body that is not JSON. */
  | 'not_json'
  /** Not an object with `eventType`, `createdAt` and `data`. */
  | 'not_an_event'
  /** A valid event of a type this product does not handle (answer 2xx so Toss stops retrying). */
  | 'unsupported_event_type'
  /** A handled event type whose `data` lacks a required field. */
  | 'invalid_data';

/** The result of {@link parseTossWebhook}. */
export type TossWebhookParseResult =
  | { readonly ok: true; readonly event: TossWebhookEvent; readonly transmission: TossWebhookTransmission }
  | { readonly ok: false; readonly reason: TossWebhookRejection; readonly detail: string; readonly eventType?: string };

const envelopeShape = z.looseObject({ eventType: pgNonEmptyString, createdAt: pgString });

/**
 * Validates an incoming Toss webhook (parsed JSON, or its raw string/Buffer) and its headers. Pure: no I/O. Payment
 * webhooks are not signed, so an accepted event is only a pointer: re-fetch the payment before acting on it.
 */
export function parseTossWebhook(
  body: unknown,
  headers: Readonly<Record<string, string | readonly string[] | undefined>> = {},
): TossWebhookParseResult {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString()) as unknown;
    } catch {
      return { ok: false, reason: 'not_json', detail: 'the body is not JSON' };
    }
  }
  const envelopeProblem = shapeProblem(envelopeShape, value, 'body');
  if (envelopeProblem) return { ok: false, reason: 'not_an_event', detail: envelopeProblem };
  const record = value as { eventType: string; createdAt: string; data: unknown };
  const transmission = readTransmission(headers);

  switch (record.eventType) {
    case 'PAYMENT_STATUS_CHANGED': {
      const problem = shapeProblem(tossWebhookPaymentShape, record.data, 'body.data');
      if (problem) return { ok: false, reason: 'invalid_data', detail: problem, eventType: record.eventType };
      return {
        ok: true,
        event: {
          eventType: 'PAYMENT_STATUS_CHANGED',
          createdAt: record.createdAt,
          data: record.data as TossWebhookPaymentData,
        },
        transmission,
      };
    }
    case 'CANCEL_STATUS_CHANGED': {
      const problem = shapeProblem(tossWebhookCancelShape, record.data, 'body.data');
      if (problem) return { ok: false, reason: 'invalid_data', detail: problem, eventType: record.eventType };
      return {
        ok: true,
        event: {
          eventType: 'CANCEL_STATUS_CHANGED',
          createdAt: record.createdAt,
          data: record.data as TossWebhookCancelData,
        },
        transmission,
      };
    }
    default:
      return {
        ok: false,
        reason: 'unsupported_event_type',
        detail: 'event type not handled',
        eventType: record.eventType,
      };
  }
}

function readTransmission(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): TossWebhookTransmission {
  const get = (name: string): string | undefined => {
    for (const [key, raw] of Object.entries(headers)) {
      if (key.toLowerCase() !== name) continue;
      const v = Array.isArray(raw) ? raw[0] : raw;
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    }
    return undefined;
  };
  const id = get('tosspayments-webhook-transmission-id');
  const retried = get('tosspayments-webhook-transmission-retried-count');
  const retriedCount = retried !== undefined && /^\d{1,6}$/.test(retried) ? Number(retried) : undefined;
  return { ...(id !== undefined && { id }), ...(retriedCount !== undefined && { retriedCount }) };
}
