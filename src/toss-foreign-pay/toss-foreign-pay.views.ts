import { toOrderCancelDto, toOrderDto, type OrderWithCancels } from '../orders/orders.views';
import type { OrderCancel } from '../orders/order-cancel.entity';
import type { TossCancelDto, TossOrderDto } from './dto/toss-order.dto';

/** The v1 Toss body of a cancel: the generic one, with Toss's name for the PG's cancel id (REST contract: `transactionKey`). */
export function toTossCancelDto(c: OrderCancel): TossCancelDto {
  const { gatewayCancelId, ...rest } = toOrderCancelDto(c);
  return { ...rest, transactionKey: gatewayCancelId };
}

/**
 * The v1 Toss body of an order: the generic one under the v1 field names (REST contract: `paymentKey`, `tossStatus`,
 * `easyPayProvider`), without the generic-only `gateway`.
 */
export function toTossOrderDto(input: OrderWithCancels): TossOrderDto {
  const { gateway: _gateway, gatewayPaymentId, gatewayStatus, cancels: _cancels, ...rest } = toOrderDto(input);
  return {
    ...rest,
    paymentKey: gatewayPaymentId,
    tossStatus: gatewayStatus,
    easyPayProvider: input.order.easyPayProvider,
    cancels: input.cancels.map(toTossCancelDto),
  };
}
