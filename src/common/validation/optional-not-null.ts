import { ValidateIf } from 'class-validator';

/**
 * "May be absent", not "may be null": the field's other validators run unless it is undefined, so `null` is refused
 * with the same message as any other wrong value. class-validator's `@IsOptional()` skips both, and a `null` name
 * reached a NOT NULL column as a 500. Use `@IsOptional()` only where null has a documented meaning.
 */
export function OptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
