/**
 * Where records hold people, and how a person is pseudonymised in them. Pure rules, shared by the
 * audit trail (which keeps these values out of its hashed content, see audit-chain.ts) and the
 * erasure of a person across the process records.
 *
 * A person is held as a string under one of PERSONAL_KEYS, at any depth (`reportedBy`,
 * `comments[3].by`, `escalations[0].to`, a contact's `email`…), or as the field of a recorded
 * change whose name ends in one of them (`assignee`, `sla.events[4].by`). Free text (descriptions,
 * comment text, notes) is not parsed for names: it is what the person wrote, removed with the
 * record when its retention ends (docs/security.md, "Personal data").
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'actor', 'sourceIp',
  'by', 'to', 'owner', 'serviceOwner', 'assignee', 'requester', 'username', 'name', 'email', 'phone',
  'reportedBy', 'reportedById', 'recordedBy', 'requestedBy', 'requestedById', 'createdBy', 'updatedBy',
  'resolvedBy', 'closedBy', 'approvedBy', 'assessedBy', 'proposedBy',
]);

/** `sla.events[4].by` → `by`: the key a change's field name ends in. */
export function lastKeyOf(field: string): string {
  const withoutIndexes = field.replace(/\[\d+\]/g, '');
  return withoutIndexes.slice(withoutIndexes.lastIndexOf('.') + 1);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every string under a personal key in `value`, at any depth, replaced by what `replace` returns
 * for it; the structure and every other value unchanged. Keys are visited in sorted order, so the
 * n-th personal value is the same position whatever order the store returned attributes in.
 */
export function mapPersonalValues(value: unknown, replace: (personal: string) => unknown, personalHere = false): unknown {
  if (typeof value === 'string') return personalHere ? replace(value) : value;
  if (Array.isArray(value)) return value.map((item) => mapPersonalValues(item, replace, personalHere));
  if (isPlainObject(value)) {
    const mapped: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (value[key] !== undefined) mapped[key] = mapPersonalValues(value[key], replace, PERSONAL_KEYS.has(key));
    }
    return mapped;
  }
  return value;
}

/** What replaces a person: one pseudonym per erasure, drawn at random, never derived from the name (it could be guessed back). */
export const PSEUDONYM_PREFIX = 'erased-';
export const pseudonymOf = (erasureId: string): string => `${PSEUDONYM_PREFIX}${erasureId}`;
export const isPseudonym = (value: string): boolean => value.startsWith(PSEUDONYM_PREFIX);

/** Whether a value under a personal key names a person: not a job (`system:…`), a machine client (`client:…`), `anonymous`, or a pseudonym already. */
export function namesAPerson(value: string): boolean {
  return value.trim() !== '' && !value.startsWith('system:') && !value.startsWith('client:') && value !== 'anonymous' && !isPseudonym(value);
}

/**
 * Every person named in `value` (under a personal key, at any depth): whom a record's
 * pseudonymisation replaces. A transition's `to` (`{ from, to }`, or `{ field, from, to }`) names a
 * person only when its field is a personal one (`assignee`): a state's `to` is a state.
 */
export function peopleNamedIn(value: unknown): Set<string> {
  const people = new Set<string>();
  const walk = (v: unknown, personalHere: boolean): void => {
    if (typeof v === 'string') {
      if (personalHere && namesAPerson(v)) people.add(v);
    } else if (Array.isArray(v)) v.forEach((item) => walk(item, personalHere));
    else if (isPlainObject(v)) {
      const transition = 'field' in v || ('from' in v && 'to' in v);
      const personalField = typeof v['field'] === 'string' && PERSONAL_KEYS.has(lastKeyOf(v['field']));
      for (const [key, inner] of Object.entries(v)) walk(inner, key === 'to' && transition ? personalField : PERSONAL_KEYS.has(key));
    }
  };
  walk(value, false);
  return people;
}

/**
 * `value` with the person replaced by `pseudonym` wherever a personal key holds exactly one of
 * their identifiers (username, user id, e-mail), and the number of values replaced. Nothing else changes.
 */
export function pseudonymise<T>(value: T, identifiers: ReadonlySet<string>, pseudonym: string): { readonly value: T; readonly replaced: number } {
  let replaced = 0;
  const mapped = mapPersonalValues(value, (personal) => {
    if (!identifiers.has(personal)) return personal;
    replaced++;
    return pseudonym;
  });
  return { value: mapped as T, replaced };
}
