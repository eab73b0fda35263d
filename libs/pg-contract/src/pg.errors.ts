/**
 * Thrown by an adapter for input that is a programming error on our side (a reference longer than the PG allows in a
 * method that builds a frontend request, missing options). Never used for anything the PG or the buyer did: those are
 * outcomes.
 */
export class GatewayInputError extends Error {
  /** Stable code for error mapping. */
  readonly code = 'GATEWAY_INPUT_INVALID';
  /** @param message what is wrong; never includes secrets. */
  constructor(message: string) {
    super(message);
    this.name = 'GatewayInputError';
  }
}
