import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  hasCapability,
  missingMethods,
  type AdapterWith,
  type Capability,
  type PaymentGatewayAdapter,
} from './pg.adapter';
import { descriptorProblems, type GatewayDescriptor } from './pg.descriptor';
import { PG_ADAPTERS } from './pg.tokens';

/** The registered adapters are inconsistent (boot error): every problem is listed in the message. */
export class GatewayRegistryError extends Error {
  /** Stable code for error mapping. */
  readonly code = 'GATEWAY_REGISTRY_INVALID';
  /** @param problems one line per problem. */
  constructor(readonly problems: readonly string[]) {
    super(`invalid payment gateway registration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'GatewayRegistryError';
  }
}

/** No adapter is registered under this code. */
export class UnknownGatewayError extends Error {
  /** Stable code for error mapping. */
  readonly code = 'GATEWAY_UNKNOWN';
  /** @param gateway the code asked for. */
  constructor(readonly gateway: string) {
    super(`no payment gateway registered as ${JSON.stringify(gateway)}`);
    this.name = 'UnknownGatewayError';
  }
}

/** The gateway exists but does not declare the capability asked for. */
export class GatewayCapabilityError extends Error {
  /** Stable code for error mapping. */
  readonly code = 'GATEWAY_CAPABILITY_MISSING';
  /** @param gateway the gateway code @param capability what was required */
  constructor(
    readonly gateway: string,
    readonly capability: Capability,
  ) {
    super(`payment gateway ${gateway} does not support ${capability}`);
    this.name = 'GatewayCapabilityError';
  }
}

/**
 * Every problem of a list of adapters: invalid descriptors, declared capabilities without their methods, codes used
 * twice. Empty when the list is consistent. Pure; the registry runs it at boot.
 */
export function registrationProblems(adapters: readonly PaymentGatewayAdapter[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  adapters.forEach((adapter, i) => {
    const name =
      adapter?.constructor?.name && adapter.constructor !== Object ? adapter.constructor.name : `adapters[${i}]`;
    if (
      typeof adapter !== 'object' ||
      adapter === null ||
      typeof adapter.descriptor !== 'object' ||
      adapter.descriptor === null
    ) {
      problems.push(`${name}: has no descriptor`);
      return;
    }
    const code = adapter.descriptor.code;
    const label = `${name} (${JSON.stringify(code)})`;
    for (const p of descriptorProblems(adapter.descriptor)) problems.push(`${label}: ${p}`);
    if (adapter.descriptor.capabilities) for (const p of missingMethods(adapter)) problems.push(`${label}: ${p}`);
    const first = seen.get(code);
    if (first !== undefined)
      problems.push(`${label}: code ${JSON.stringify(code)} is already used by adapters[${first}]`);
    else seen.set(code, i);
  });
  // Webhook aliases share the path segment with codes: one segment must reach one gateway.
  const segments = new Map<string, string>();
  for (const a of adapters) {
    if (!a?.descriptor) continue;
    for (const seg of [a.descriptor.code, ...(a.descriptor.webhookAliases ?? [])]) {
      const owner = segments.get(seg);
      if (owner !== undefined && owner !== a.descriptor.code)
        problems.push(`${a.descriptor.code}: webhook path segment ${JSON.stringify(seg)} is already used by ${owner}`);
      else segments.set(seg, a.descriptor.code);
    }
  }
  return problems;
}

/**
 * The registered adapters, resolved by code. Consistency (descriptors, capability methods, unique codes) is checked
 * at module init, so a bad registration stops the boot with a message naming every problem; lookups before init
 * check it too.
 */
@Injectable()
export class GatewayRegistry implements OnModuleInit {
  private byCode?: ReadonlyMap<string, PaymentGatewayAdapter>;

  /** @param adapters the list under {@link PG_ADAPTERS}. */
  constructor(@Inject(PG_ADAPTERS) private readonly adapters: readonly PaymentGatewayAdapter[]) {}

  /** Validates the registration; throws {@link GatewayRegistryError}. */
  onModuleInit(): void {
    this.index();
  }

  /** True when an adapter is registered under `code`. */
  has(code: string): boolean {
    return this.index().has(code);
  }

  /** The adapter registered under `code`; throws {@link UnknownGatewayError}. */
  get(code: string): PaymentGatewayAdapter {
    const adapter = this.index().get(code);
    if (!adapter) throw new UnknownGatewayError(code);
    return adapter;
  }

  /** The adapter a webhook path segment names: its code, or one of its `webhookAliases`; throws {@link UnknownGatewayError}. */
  forWebhookSegment(segment: string): PaymentGatewayAdapter {
    const byCode = this.index().get(segment);
    if (byCode) return byCode;
    for (const a of this.index().values()) if (a.descriptor.webhookAliases?.includes(segment)) return a;
    throw new UnknownGatewayError(segment);
  }

  /** Every registered adapter's descriptor, in registration order. */
  list(): readonly GatewayDescriptor[] {
    return [...this.index().values()].map((a) => a.descriptor);
  }

  /**
   * The adapter under `code`, typed with the methods of `capability` present. Throws {@link UnknownGatewayError} or
   * {@link GatewayCapabilityError} (which the API maps to a clear 4xx rather than a crash mid-flow).
   */
  require<K extends Capability>(code: string, capability: K): AdapterWith<K> {
    const adapter = this.get(code);
    if (!hasCapability(adapter.descriptor, capability)) throw new GatewayCapabilityError(code, capability);
    return adapter as AdapterWith<K>;
  }

  private index(): ReadonlyMap<string, PaymentGatewayAdapter> {
    if (this.byCode) return this.byCode;
    const problems = registrationProblems(this.adapters);
    if (problems.length > 0) throw new GatewayRegistryError(problems);
    this.byCode = new Map(this.adapters.map((a) => [a.descriptor.code, a]));
    return this.byCode;
  }
}
