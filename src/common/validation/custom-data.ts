import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Caps on merchant-supplied free-form data (`customData`), after Stripe's metadata limits: it is stored twice (the
 * record and the idempotency response) and sent to the PG, and had no bound at all.
 */
export const CUSTOM_DATA_LIMITS = Object.freeze({
  /** Keys and array items, counted over the whole value. */
  maxEntries: 50,
  maxKeyLength: 40,
  maxStringLength: 500,
  /** An object whose values may be objects or arrays of scalars, one level down; no deeper. */
  maxDepth: 2,
  /** UTF-8 bytes of the JSON text. */
  maxBytes: 8 * 1024,
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with `value` as customData, or undefined when it is within every cap. Pure. */
export function customDataProblem(value: unknown, limits = CUSTOM_DATA_LIMITS): string | undefined {
  if (!isPlainObject(value)) return 'customData must be an object';
  let entries = 0;
  const walk = (node: unknown, depth: number, path: string): string | undefined => {
    if (typeof node === 'string')
      return node.length > limits.maxStringLength
        ? `${path} must be at most ${limits.maxStringLength} characters`
        : undefined;
    if (node === null || typeof node === 'boolean') return undefined;
    if (typeof node === 'number') return Number.isFinite(node) ? undefined : `${path} must be a finite number`;
    if (typeof node !== 'object') return `${path} has an unsupported type`;
    if (depth >= limits.maxDepth) return `${path} nests deeper than ${limits.maxDepth} levels`;
    const tooMany = `customData has more than ${limits.maxEntries} keys and items`;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (++entries > limits.maxEntries) return tooMany;
        const problem = walk(node[i], depth + 1, `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    // for-in with an early exit: a 100,000-key object is refused without listing its keys first.
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (++entries > limits.maxEntries) return tooMany;
      if (key.length === 0 || key.length > limits.maxKeyLength)
        return `customData keys must be 1-${limits.maxKeyLength} characters (${path})`;
      const problem = walk((node as Record<string, unknown>)[key], depth + 1, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
  const problem = walk(value, 0, 'customData');
  if (problem) return problem;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  return bytes > limits.maxBytes
    ? `customData must be at most ${limits.maxBytes} bytes as JSON (got ${bytes})`
    : undefined;
}

/** The one validator of every DTO field carrying customData (see CUSTOM_DATA_LIMITS). */
export function IsCustomData(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isCustomData',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => customDataProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => customDataProblem(args?.value) ?? 'customData is invalid',
      },
    });
  };
}
