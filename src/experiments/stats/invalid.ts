// A refusal of the statistics' input: the caller's mistake, named by its field, answered as a 422.
import { DomainError } from '../../domain/errors.js';

export const invalid = (field: string, message: string) => new DomainError('invalid_statistics_input', `${field}: ${message}`, field, 422);

/** Refuses anything but a number strictly between 0 and 1 (α, power, a baseline rate). */
export function requireUnitInterval(value: number, field: string): void {
  if (!(Number.isFinite(value) && value > 0 && value < 1)) throw invalid(field, 'must be a number strictly between 0 and 1');
}
