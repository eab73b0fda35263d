import type { ClientSecretObject } from '../common/crypto/client-secret';

/** A browser holding one object's client secret: it may act on that object only, on the routes that opted in. */
export interface ClientSecretPrincipal {
  readonly kind: 'client_secret';
  readonly merchantId: string;
  readonly objectType: ClientSecretObject;
  readonly objectId: string;
}

/**
 * What the guard needs of client secrets: the principal a secret stands for, or null when unknown, wrong or expired.
 * Declared here and provided by ClientSecretsModule (`useExisting: ClientSecretsService`), so auth depends on no
 * feature folder (client secrets read billing keys and orders, whose controllers use auth's decorators).
 */
export abstract class ClientSecretAuthenticator {
  abstract authenticate(secret: string): Promise<ClientSecretPrincipal | null>;
}
