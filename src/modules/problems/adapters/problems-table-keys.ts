/**
 * Key layout of the problems table (problems, their log and analyses, known errors, knowledge
 * articles, links and search terms): every key string and index name lives here; the stack builds
 * the table and its indexes from this module.
 *
 * | item                       | pk                 | sk                                   |
 * |----------------------------|--------------------|--------------------------------------|
 * | problem                    | PROBLEM#<id>       | PROBLEM                              |
 * | log entry (append-only)    | PROBLEM#<id>       | LOG#<at>#<entry id>                  |
 * | analysis version           | PROBLEM#<id>       | ANALYSIS#<analysis id>#<version, 4 digits> |
 * | incident link              | PROBLEM#<id>       | INCIDENT#<incident id>               |
 * | change link                | PROBLEM#<id>       | CHANGE#<change id>                   |
 * | known error                | KE#<id>            | KE                                   |
 * | knowledge article          | KA#<id>            | KA                                   |
 * | search term of a record    | KE#<id> / KA#<id>  | TERM#<term>                          |
 * | problem number counter     | COUNTER#PROBLEM-NUMBER | COUNTER                          |
 * | problem number (alias)     | NUMBER#PRB…        | NUMBER (names the problem id)        |
 *
 * A problem's number is allocated like an incident's (an atomic ADD on the counter item) and
 * stored twice in the problem's creation transaction: on the problem, and as an alias item under
 * `attribute_not_exists`, so GET /problems/PRB0000001 is two GetItems and needs no index of its own
 * (a table takes one new index per deployment; the one this table got is byLastAccess).
 *
 * A link is one item whose key is the pair: a conditional Put (`attribute_not_exists`) makes a
 * second link of the same pair fail, however many callers race. The incident side reads the same
 * items through byIncident.
 *
 * Secondary indexes (all project every attribute):
 * | index        | partition                         | sort                  | serves                                   |
 * |--------------|-----------------------------------|-----------------------|------------------------------------------|
 * | bySearchTerm | gsi1pk = TERM#<ke\|ka>#<term>     | gsi1sk = <record id>  | known errors / articles by word, service, category, tag |
 * | byState      | gsi2pk = PROBLEM-STATE#<state>    | gsi2sk = <createdAt>#<id> | problems by state, oldest first       |
 * | byKind       | gsi3pk = PROBLEMS \| KNOWN-ERRORS \| KNOWLEDGE | gsi3sk = <createdAt>#<id> | every record of a kind          |
 * |              | gsi3pk = INCIDENT-LINKS           | gsi3sk = <incident createdAt>#<problem id>#<incident id> | incident links by the incident's age: the known-error review's recent impact |
 * | byIncident   | gsi4pk = INCIDENT#<incident id>   | gsi4sk = <problem id> | the problems an incident is linked to    |
 * | byLastAccess | gsi5pk = PUBLISHED-ARTICLES (published only) | gsi5sk = <last read or published>#<id> | stale articles, least recently used first |
 *
 * byKind has one partition per kind and client stack: problems and known errors number in the
 * thousands, written a few times a day.
 */
export const PROBLEMS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

export const PROBLEM_INDEXES = {
  bySearchTerm: { name: 'bySearchTerm', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byState: { name: 'byState', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byKind: { name: 'byKind', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byIncident: { name: 'byIncident', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  byLastAccess: { name: 'byLastAccess', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
} as const;

export type ProblemIndexName = keyof typeof PROBLEM_INDEXES;
export type SearchKind = 'ke' | 'ka';

export const LOG_PREFIX = 'LOG#';
export const ANALYSIS_PREFIX = 'ANALYSIS#';
export const INCIDENT_LINK_PREFIX = 'INCIDENT#';
export const CHANGE_LINK_PREFIX = 'CHANGE#';
export const TERM_PREFIX = 'TERM#';

/** Partition keys of problems, for IAM `dynamodb:LeadingKeys` conditions. */
export const PROBLEM_PARTITION_PATTERN = 'PROBLEM#*';
export const problemKey = (id: string) => ({ pk: `PROBLEM#${id}`, sk: 'PROBLEM' });
export const logKey = (problemId: string, at: string, entryId: string) => ({ pk: `PROBLEM#${problemId}`, sk: `${LOG_PREFIX}${at}#${entryId}` });
export const analysisKey = (problemId: string, analysisId: string, version: number) => ({
  pk: `PROBLEM#${problemId}`,
  sk: `${ANALYSIS_PREFIX}${analysisId}#${String(version).padStart(4, '0')}`,
});
export const incidentLinkKey = (problemId: string, incidentId: string) => ({ pk: `PROBLEM#${problemId}`, sk: `${INCIDENT_LINK_PREFIX}${incidentId}` });
export const changeLinkKey = (problemId: string, changeId: string) => ({ pk: `PROBLEM#${problemId}`, sk: `${CHANGE_LINK_PREFIX}${changeId}` });
export const problemNumberCounterKey = { pk: 'COUNTER#PROBLEM-NUMBER', sk: 'COUNTER' } as const;
export const problemNumberKey = (number: string) => ({ pk: `NUMBER#${number}`, sk: 'NUMBER' });
export const formatProblemNumber = (sequence: number) => `PRB${String(sequence).padStart(7, '0')}`;
export const knownErrorKey = (id: string) => ({ pk: `KE#${id}`, sk: 'KE' });
/** Every key of an article's partition starts so: the incidents function may put drafts only there. */
export const ARTICLE_PARTITION_PREFIX = 'KA#';
export const articleKey = (id: string) => ({ pk: `${ARTICLE_PARTITION_PREFIX}${id}`, sk: 'KA' });
export const recordPartition = (kind: SearchKind, id: string) => `${kind.toUpperCase()}#${id}`;
export const termKey = (kind: SearchKind, id: string, term: string) => ({ pk: recordPartition(kind, id), sk: `${TERM_PREFIX}${term}` });

export const termIndexKeys = (kind: SearchKind, term: string, id: string) => ({ gsi1pk: `TERM#${kind}#${term}`, gsi1sk: id });
/** byState partitions, by state (also where the retention job finds closed problems). */
export const problemStatePartition = (state: string) => `PROBLEM-STATE#${state}`;
export const problemIndexKeys = (problem: { readonly id: string; readonly state: string; readonly createdAt: string }) => ({
  gsi2pk: problemStatePartition(problem.state),
  gsi2sk: `${problem.createdAt}#${problem.id}`,
  gsi3pk: 'PROBLEMS',
  gsi3sk: `${problem.createdAt}#${problem.id}`,
});
export const kindIndexKeys = (kind: 'KNOWN-ERRORS' | 'KNOWLEDGE', record: { readonly id: string; readonly createdAt: string }) => ({
  gsi3pk: kind,
  gsi3sk: `${record.createdAt}#${record.id}`,
});
/**
 * A published article's place on byLastAccess: sorted by its last activity (read, or published),
 * so the retirement job Queries the stale ones. Drafts and archived articles are not on it (sparse).
 */
export const PUBLISHED_ARTICLES_PARTITION = 'PUBLISHED-ARTICLES';
export const lastAccessSortKey = (at: string, id: string) => `${at}#${id}`;
export const lastAccessIndexKeys = (at: string, id: string) => ({ gsi5pk: PUBLISHED_ARTICLES_PARTITION, gsi5sk: lastAccessSortKey(at, id) });
export const incidentLinkIndexKeys = (incidentId: string, problemId: string) => ({ gsi4pk: `INCIDENT#${incidentId}`, gsi4sk: problemId });
/** Every incident link on byKind, by the incident's creation: the links of recent incidents are one Query. */
export const INCIDENT_LINKS_PARTITION = 'INCIDENT-LINKS';
export const recentLinkIndexKeys = (link: { readonly incidentCreatedAt: string; readonly problemId: string; readonly incidentId: string }) => ({
  gsi3pk: INCIDENT_LINKS_PARTITION,
  gsi3sk: `${link.incidentCreatedAt}#${link.problemId}#${link.incidentId}`,
});

/** Attributes that exist only for the table's keys and indexes, never part of an entity. */
export const KEY_ATTRIBUTES: readonly string[] = [
  'pk',
  'sk',
  'itemType',
  ...Object.values(PROBLEM_INDEXES).flatMap((i) => [i.partitionKey, i.sortKey]),
];
