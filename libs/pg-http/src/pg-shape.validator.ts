import { z } from 'zod';

/**
 * The shape a PG answer must have, as a zod schema. PGs add fields without notice: object shapes are
 * `z.looseObject`, which checks the listed fields and lets others through. Compose with zod itself (`z.array`,
 * `.nullish()`); the leaves below carry the words a refusal reports.
 */
export type ShapeValidator = z.ZodType;

export const pgString = z.string({ error: 'expected a string' });
export const pgNonEmptyString = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'expected a non-empty string' });
export const pgNumber = z.number({ error: 'expected a finite number' });
export const pgInteger = z.int({ error: 'expected an integer' });
export const pgBoolean = z.boolean({ error: 'expected a boolean' });
/** Any JSON object (not an array, not null). */
export const pgObject = z.looseObject({}, { error: 'expected an object' });

/**
 * Checks an untrusted value; returns `null` when it conforms, otherwise a short description naming the first
 * offending path (never the value itself: PG bodies can hold personal data).
 */
export function shapeProblem(shape: ShapeValidator, value: unknown, path: string): string | null {
  const result = shape.safeParse(value);
  if (result.success) return null;
  const issue = result.error.issues[0];
  const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `${path}${at}: ${words(issue)}`;
}

/** Containers say what they expected; leaves say it in their own words (zod's name only the type received). */
function words(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.expected === 'object') return 'expected an object';
  if (issue.code === 'invalid_type' && issue.expected === 'array') return 'expected an array';
  return issue.message;
}
