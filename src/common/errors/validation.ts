import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from './domain.error';

/** Flattens class-validator errors into `details: [{ field, errors }]` with dotted paths for nested fields. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): { field: string; errors: string[] }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** Whitelist, reject unknown fields, transform to DTO classes; failures are VALIDATION_FAILED with details. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      const first = details[0];
      return new DomainError(
        'VALIDATION_FAILED',
        first ? `${first.field}: ${first.errors[0]}` : 'Invalid request',
        details,
      );
    },
  });
}
