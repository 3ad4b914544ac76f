import { mayUseOnCall, type Caller } from '../../../kernel/domain/access-policy';
import { ForbiddenError, NotFoundError } from '../../../kernel/domain/domain-errors';
import { assertVersionPrecondition, type VersionPrecondition } from '../../../kernel/domain/version-precondition';
import type { AuditLog, Clock, Page, PageRequest } from '../../../kernel/app/ports';
import { recordChangeEntry } from '../../audit/app';
import { changePerson, newPerson, type Person, type PersonChanges, type PersonContact } from '../domain';
import type { PersonRepository } from './ports';

/**
 * The paging directory (README "On call"): how to reach each person a schedule or policy names.
 * Whoever keeps the rotas (oncall:manage) keeps the directory; everyone may read and change their
 * own entry (as in PagerDuty, people keep their own contact methods current); auditors read.
 * Every change is audited.
 */
export interface PeopleDeps {
  readonly people: PersonRepository;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

const isSelf = (caller: Caller, username: string) => caller.name === username;

function requireRead(caller: Caller, username?: string): void {
  if (mayUseOnCall(caller, 'oncall:read') || (username !== undefined && isSelf(caller, username))) return;
  throw new ForbiddenError('Your role may not read the paging directory', 'role');
}

function requireManage(caller: Caller, username: string): void {
  if (mayUseOnCall(caller, 'oncall:manage') || isSelf(caller, username)) return;
  throw new ForbiddenError("Your role may not change other people's contact details", 'role');
}

export async function createPerson(deps: PeopleDeps, caller: Caller, username: string, input: PersonContact): Promise<Person> {
  requireManage(caller, username);
  const person = newPerson(username, input, caller.name, deps.clock.now());
  await deps.people.create(person);
  await deps.audit.record(recordChangeEntry(caller, 'person:create', { type: 'person', id: username }, undefined, person));
  return person;
}

export async function getPerson(deps: PeopleDeps, caller: Caller, username: string): Promise<Person> {
  requireRead(caller, username);
  const person = await deps.people.get(username);
  if (!person) throw new NotFoundError(`Nobody named ${username} is in the paging directory`, 'username');
  return person;
}

export async function listPeople(deps: PeopleDeps, caller: Caller, page: PageRequest): Promise<Page<Person>> {
  requireRead(caller);
  return deps.people.list(page);
}

export async function updatePerson(deps: PeopleDeps, caller: Caller, username: string, changes: PersonChanges, ifMatch: VersionPrecondition | undefined): Promise<Person> {
  requireManage(caller, username);
  const current = await deps.people.get(username);
  if (!current) throw new NotFoundError(`Nobody named ${username} is in the paging directory`, 'username');
  assertVersionPrecondition(ifMatch, current.version, 'the entry you read');
  const next = changePerson(current, changes, caller.name, deps.clock.now());
  await deps.people.save(next, current.version);
  await deps.audit.record(recordChangeEntry(caller, 'person:update', { type: 'person', id: username }, current, next));
  return next;
}
