/**
 * What the guard needs of merchants: the merchant an API key belongs to, or null. Declared here and provided by
 * MerchantsModule (`useExisting: MerchantsService`), so auth depends on no feature folder and every feature's
 * controllers can use auth's decorators without a folder cycle.
 */
export abstract class ApiKeyAuthenticator {
  abstract authenticateKey(apiKey: string): Promise<{ merchant: { readonly id: string }; keyId: string } | null>;
}
