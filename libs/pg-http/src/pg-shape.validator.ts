/**
 * Checks an untrusted value; returns `null` when it conforms, otherwise a short description naming the first
 * offending path (never the value itself: PG bodies can hold personal data).
 */
export type ShapeValidator = (value: unknown, path: string) => string | null;

/** A string (possibly empty). */
export const isString: ShapeValidator = (v, path) => (typeof v === 'string' ? null : `${path}: expected a string`);

/** A string with at least one character. */
export const isNonEmptyString: ShapeValidator = (v, path) =>
  typeof v === 'string' && v.length > 0 ? null : `${path}: expected a non-empty string`;

/** A finite number. */
export const isNumber: ShapeValidator = (v, path) =>
  typeof v === 'number' && Number.isFinite(v) ? null : `${path}: expected a finite number`;

/** A safe integer. */
export const isInteger: ShapeValidator = (v, path) => (Number.isSafeInteger(v) ? null : `${path}: expected an integer`);

/** A boolean. */
export const isBoolean: ShapeValidator = (v, path) => (typeof v === 'boolean' ? null : `${path}: expected a boolean`);

/** Any JSON object (not an array, not null). */
export const isPlainObject: ShapeValidator = (v, path) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? null : `${path}: expected an object`;

/** Accepts `null` besides what `inner` accepts. */
export function nullable(inner: ShapeValidator): ShapeValidator {
  return (v, path) => (v === null ? null : inner(v, path));
}

/** Accepts a missing field (`undefined`) besides what `inner` accepts. */
export function optional(inner: ShapeValidator): ShapeValidator {
  return (v, path) => (v === undefined ? null : inner(v, path));
}

/** An absent, null or conforming field. */
export function maybe(inner: ShapeValidator): ShapeValidator {
  return optional(nullable(inner));
}

/** An array whose every element conforms. */
export function arrayOf(inner: ShapeValidator): ShapeValidator {
  return (v, path) => {
    if (!Array.isArray(v)) return `${path}: expected an array`;
    for (let i = 0; i < v.length; i++) {
      const problem = inner(v[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
}

/** An object whose listed fields conform; other fields are allowed (PGs add fields without notice). */
export function objectOf(fields: Readonly<Record<string, ShapeValidator>>): ShapeValidator {
  // Every PG answer is validated, field by field: the entries and each field's path are made once (per path), not on
  // every call (a PortOne payment has ≈ 40 fields: the entries array and 40 path strings per answer).
  const names = Object.keys(fields);
  const checks = names.map((n) => fields[n]);
  let pathsOf: string | undefined;
  let paths: string[] = [];
  return (v, path) => {
    const notObject = isPlainObject(v, path);
    if (notObject) return notObject;
    const record = v as Record<string, unknown>;
    if (pathsOf !== path) {
      paths = names.map((n) => `${path}.${n}`);
      pathsOf = path;
    }
    for (let i = 0; i < names.length; i++) {
      const problem = checks[i](record[names[i]], paths[i]);
      if (problem) return problem;
    }
    return null;
  };
}
