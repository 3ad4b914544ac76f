import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { INCIDENT_INDEXES, incidentIndexNamesFor } from '../../incidents/adapters';
import { PROBLEM_INDEXES } from '../adapters/problems-table-keys';
import { OUTBOX_PARTITION } from '../../outbox/adapters';
import { ItsmFunction } from '../../../kernel/infra/itsm-function';
import { ItsmModule, type ItsmModuleProps } from '../../../kernel/infra/itsm-module';
import { environmentOf } from '../../../platform/environment-contract';
import { KNOWLEDGE_RETIREMENT_ENVIRONMENT, PROBLEMS_ENVIRONMENT } from '../functions/environment';

export interface ProblemsModuleProps extends ItsmModuleProps {
  /** The self-help site, where it keeps a downloadable bundle: the problems function hands out its pre-signed URL. */
  readonly siteBundle?: { readonly bucket: { readonly bucketName: string }; grantBundleDownload(fn: ItsmFunction): void };
}

/**
 * Problem management, the known-error database and knowledge: the problems function (API) and
 * the daily retirement of knowledge articles nobody reads.
 */
export class ProblemsModule extends ItsmModule {
  readonly problems: ItsmFunction;
  readonly knowledgeRetirement: ItsmFunction;

  constructor(scope: Construct, props: ProblemsModuleProps) {
    super(scope, props);
    const { data, logRetention, clientSettings, jobFailures } = props;
    const problems = new ItsmFunction(scope, 'ProblemsFunction', {
      entry: 'src/modules/problems/functions/problems-handler.ts',
      serviceName: 'problems',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      environment: environmentOf(PROBLEMS_ENVIRONMENT, {
        auditTable: data.auditTable.tableName,
        problemsTable: data.problemsTable.tableName,
        incidentsTable: data.incidentsTable.tableName,
        idempotencyTable: data.idempotencyTable.tableName,
        clientSettings,
        selfHelpBucket: props.siteBundle?.bucket.bucketName ?? '',
      }),
    });
    props.siteBundle?.grantBundleDownload(problems);
    problems.grantTable({
      table: data.problemsTable,
      indexNames: data.problemIndexNames,
      key: data.key,
      // Writes are conditional Puts (records, log entries, versions, links, terms), guarded by a
      // ConditionCheck on the problem where they hang off one, and Deletes (unlinks, dropped terms);
      // UpdateItem for the problem-number counter, article edits and an article's view count.
      access: ['read', 'write', 'delete'],
    });
    // Incidents are linked by id or number: GetItem, and Query on byNumber only; problem candidates
    // read the window's keys on byCreated, then the incidents (BatchGetItem). Never written.
    problems.grantTable({
      table: data.incidentsTable,
      indexNames: [INCIDENT_INDEXES.byNumber.name, ...incidentIndexNamesFor('byCreated', data.incidentIndexNames)],
      key: data.key,
      access: ['get', 'batchGet', 'query'],
      queryIndexesOnly: true,
    });
    // Knowledge writes store the self-help site's rebuild as an outbox item in the incidents
    // table, in their own transaction: PutItem on the outbox partition only.
    problems.grantTable({ table: data.incidentsTable, key: data.key, access: ['put'], leadingKeys: [OUTBOX_PARTITION] });
    problems.grantTable({ table: data.idempotencyTable, key: data.key, access: ['read', 'write', 'delete'] });
    problems.grantAuditAppend(this.auditAppend);

    // Published knowledge articles nobody reads for the client's knowledgeStaleAfter are archived
    // daily: a Query on byLastAccess (no Scan), then per article an update of the article and the
    // deletion of its search terms in one transaction. Retries, then the scheduled jobs' queue.
    const knowledgeRetirement = new ItsmFunction(scope, 'KnowledgeRetirementFunction', {
      entry: 'src/modules/problems/functions/knowledge-retirement-handler.ts',
      serviceName: 'knowledge-retirement',
      logRetention,
      logKey: data.key,
      memorySize: 512,
      timeout: Duration.minutes(5),
      invocation: 'asynchronous',
      deadLetterQueue: jobFailures,
      environment: environmentOf(KNOWLEDGE_RETIREMENT_ENVIRONMENT, {
        problemsTable: data.problemsTable.tableName,
        incidentsTable: data.incidentsTable.tableName,
        auditTable: data.auditTable.tableName,
        clientSettings,
      }),
    });
    knowledgeRetirement.grantTable({
      table: data.problemsTable,
      indexNames: [PROBLEM_INDEXES.byLastAccess.name],
      key: data.key,
      // Query (stale articles on the index; an article's terms in its partition), the article's
      // conditional update, and the deletion of its terms.
      access: ['query', 'write', 'delete'],
    });
    // An archive stores the self-help site's rebuild (an outbox item) in its transaction.
    knowledgeRetirement.grantTable({ table: data.incidentsTable, key: data.key, access: ['put'], leadingKeys: [OUTBOX_PARTITION] });
    knowledgeRetirement.grantAuditAppend(this.auditAppend);
    knowledgeRetirement.grantQueueSend(jobFailures, data.key);
    // Archives published knowledge articles not read for the client's knowledgeStaleAfter.
    props.dailySchedule.add(knowledgeRetirement.live);

    this.problems = problems;
    this.knowledgeRetirement = knowledgeRetirement;
    this.apiFunctions.problems = problems.function;
    this.functions.push(problems, knowledgeRetirement);
    for (const fn of [problems, knowledgeRetirement]) this.alarmOnAuditWriteFailures(fn);
  }
}
