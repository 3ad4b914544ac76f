import { InvalidInputError } from '../../../kernel/domain/domain-errors';
import { firstVersion, nextVersion, type Versioned } from './versioned';

/**
 * The paging directory: how to reach a person a schedule or a policy names by username. Kept in
 * the on-call table and read by the SLA workflow when it pages, so contact details live in one
 * store the desk keeps current, not in function configuration.
 */
export interface PersonContact {
  readonly name: string;
  readonly email: string;
  /** E.164, for SMS and voice. */
  readonly phone?: string;
}

/** A person of the directory; `id` is their username. */
export interface Person extends PersonContact, Versioned {}

export type PersonChanges = Partial<PersonContact>;

export function newPerson(username: string, input: PersonContact, by: string, now: Date): Person {
  return { ...firstVersion(username, by, now), ...input };
}

export function changePerson(current: Person, changes: PersonChanges, by: string, now: Date): Person {
  if (Object.keys(changes).length === 0) throw new InvalidInputError([{ field: 'body', message: 'must change at least one field' }]);
  return nextVersion<Person>(current, changes, by, now);
}
