import type { Clock } from '../../../kernel/app/ports';
import { targetOfTheirs, type ClientSla } from '../../incidents/domain';
import { fromServiceNowDateTime } from '../domain/field-map';
import type { ClientSlaStore, ServiceNowTable } from './ports';

/**
 * The client's SLA clocks of a synced incident (issue 18, item 7): their `task_sla` records of the
 * incident's record, each with its `contract_sla` definition's name and target, kept beside the
 * incident for GET /incidents/{id}/sla and GET /reports/sla. Read when the record is created
 * there, on each business-rule call for one of its task_sla, and by the poll.
 */
export const TASK_SLA_TABLE = 'task_sla';
export const CONTRACT_SLA_TABLE = 'contract_sla';

export interface ReadSlasDeps {
  readonly table: ServiceNowTable;
  readonly slas: ClientSlaStore;
  readonly clock: Clock;
}

/** Definitions change rarely: kept for the life of the function instance. */
const definitions = new Map<string, { readonly name: string; readonly target: string }>();

export async function readClientSlas(deps: ReadSlasDeps, incidentId: string, recordSysId: string): Promise<readonly ClientSla[]> {
  const rows = await deps.table.list(TASK_SLA_TABLE, `task=${recordSysId}^ORDERBYstart_time`, 50);
  const slas: ClientSla[] = [];
  for (const row of rows) {
    const slaId = row['sla'] ?? '';
    if (slaId && !definitions.has(slaId)) {
      const definition = await deps.table.get(CONTRACT_SLA_TABLE, slaId);
      definitions.set(slaId, { name: definition?.['name'] || slaId, target: definition?.['target'] ?? '' });
    }
    const definition = definitions.get(slaId) ?? { name: slaId, target: '' };
    const at = (value: string | undefined) => (value ? new Date(fromServiceNowDateTime(value)).toISOString() : undefined);
    const target = targetOfTheirs(definition.target);
    const plannedEndAt = at(row['planned_end_time']);
    const endedAt = at(row['end_time']);
    slas.push({
      name: definition.name,
      ...(target && { target }),
      stage: row['stage'] ?? '',
      startedAt: at(row['start_time']) ?? '',
      ...(plannedEndAt && { plannedEndAt }),
      ...(endedAt && { endedAt }),
      breached: row['has_breached'] === 'true',
      percentage: Number(row['percentage'] || 0),
      businessPercentage: Number(row['business_percentage'] || 0),
    });
  }
  await deps.slas.put(incidentId, { system: 'servicenow', readAt: deps.clock.now().toISOString(), slas });
  return slas;
}
