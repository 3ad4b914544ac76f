/**
 * The Markdown report of one stack's cost (`npm run cost`, bin/cost-estimate.ts): at rest per
 * resource against the $10 aim, with what dominates and the reductions, then one incident and one
 * monitoring event at the bench's request counts.
 */
import { eventCost, idleCostLines, incidentCost, NO_CHARGE_AT_REST, unpricedTypes, type CostLine, type OperationUnits, type TemplateJson, type UsageAssumptions, type UsageCost } from './estimate';
import { PRICE_SOURCES, PRICES_AS_OF, type RegionalPrices } from './prices';

/** The idle budget per client stack without disaster recovery (issue #23). */
export const IDLE_TARGET_USD = 10;

/** What the account's always-free tier takes off, if the stack is alone in its account and region. */
const FREE_ALARM_METRICS = 10;
const FREE_DASHBOARDS = 3;

export const money = (n: number) => (n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);

export interface StackCostReport {
  readonly stackName: string;
  readonly region: string;
  readonly recovery: boolean;
  readonly idleUsd: number;
  readonly markdown: string;
}

export interface BenchFigures {
  readonly units: Readonly<Record<string, OperationUnits>>;
  readonly slaTransitions: number;
  readonly incidentsPerEvent: number;
}

export function benchFigures(results: any): BenchFigures {
  const transitions = Object.entries(results.slaWorkflowTransitions ?? {}).find(([name]) => /in time/.test(name))?.[1] as { transitions: number } | undefined;
  const storm = results.alarmStorm;
  if (!results.capacityUnits || !transitions || !storm?.events) throw new Error('bench/results.json lacks capacityUnits, slaWorkflowTransitions or alarmStorm');
  return { units: results.capacityUnits, slaTransitions: transitions.transitions, incidentsPerEvent: storm.incidentsOpened / storm.events };
}

/** The report of one stack. */
export function stackCostReport(stackName: string, template: TemplateJson, regional: RegionalPrices, bench: BenchFigures, recovery: boolean): StackCostReport {
  const lines = idleCostLines(template, regional);
  const idle = lines.reduce((n, l) => n + l.monthlyUsd, 0);
  const flag = (l: CostLine) => (l.priced.some((k) => regional.referencePriced.has(k)) ? ' †' : '');
  const byType = new Map<string, { count: number; usd: number }>();
  for (const l of lines) byType.set(l.type, { count: (byType.get(l.type)?.count ?? 0) + 1, usd: (byType.get(l.type)?.usd ?? 0) + l.monthlyUsd });
  const typesRanked = [...byType].sort((a, b) => b[1].usd - a[1].usd);
  const alarmUsd = byType.get('AWS::CloudWatch::Alarm')?.usd ?? 0;
  const alarmCount = byType.get('AWS::CloudWatch::Alarm')?.count ?? 0;
  const dashboards = byType.get('AWS::CloudWatch::Dashboard')?.count ?? 0;
  const freeTier = Math.min(alarmCount, FREE_ALARM_METRICS) * regional.prices.alarmMetricMonth + Math.min(dashboards, FREE_DASHBOARDS) * regional.prices.dashboardMonth;
  const waf = byType.get('AWS::WAFv2::WebACL')?.usd ?? 0;

  const resources = Object.values(template.Resources);
  const free = new Map<string, number>();
  for (const r of resources) if (NO_CHARGE_AT_REST.has(r.Type) || (r.Type === 'AWS::Events::Rule' && !lines.some((l) => l.type === r.Type && template.Resources[l.logicalId] === r))) free.set(r.Type, (free.get(r.Type) ?? 0) + 1);
  const unpriced = unpricedTypes(template);

  const usage: UsageAssumptions = { apiSeconds: 0.1, apiMemoryGb: 1, logKbPerRequest: 2, replicated: recovery || resources.some((r) => r.Type === 'AWS::DynamoDB::GlobalTable'), waf: waf > 0 };
  const incident = incidentCost(regional, bench.units, bench.slaTransitions, usage);
  const event = eventCost(regional, incident, bench.incidentsPerEvent, { ...usage, eventSeconds: 0.05, eventWriteUnits: 4 });
  const usageTable = (u: UsageCost) => [`| ${u.name} | ${money(u.usd)} |`, ...u.lines.map((l) => `| · ${l.item} | ${money(l.usd)} |`)];

  const reductions: string[] = [];
  if (waf > 0) reductions.push(`AWS WAF (${money(waf)}): one web ACL can protect several clients' APIs in the same account and region; sharing it (or attaching an organisation-wide Firewall Manager policy) takes this off each client stack.`);
  if (alarmUsd > 0) reductions.push(`Alarms (${alarmCount}, ${money(alarmUsd)}): CodeDeploy needs each function's error and latency alarms; the per-function throttle and duration alarms could become one metric-math alarm per kind over all functions (${money(regional.prices.alarmMetricMonth)} per metric it reads still applies), or account-wide alarms shared by the clients of an account.`);
  if (dashboards > 0) reductions.push(`Dashboard (${money(dashboards * regional.prices.dashboardMonth)}): free when the account has at most three dashboards (one client per account).`);
  reductions.push(`The always-free tier (10 alarm metrics, 3 dashboards per account) takes ${money(freeTier)} off when the stack is alone in its account: ${money(Math.max(0, idle - freeTier))} a month.`);
  if (waf > 0) reductions.push(`With the web ACL shared and the free tier: ${money(Math.max(0, idle - freeTier - waf))} a month.`);

  const markdown = [
    `# Cost estimate: ${stackName} (${regional.region})`,
    '',
    `Generated by \`npm run cost\` from the synthesized template and the embedded price table (${PRICES_AS_OF}; bin/cost/prices.ts).`,
    regional.referencePriced.size > 0
      ? `Figures marked † use N. Virginia prices: this table does not record ${regional.region}'s own for them (usually a little higher).`
      : `Every figure is ${regional.region}'s list price as recorded.`,
    '',
    '## At rest (no traffic), per month',
    '',
    `**${money(idle)}** at list prices${recovery ? ' (a recovery stack: it adds to the primary stack\'s cost)' : `; target ${money(IDLE_TARGET_USD)} without disaster recovery: ${idle <= IDLE_TARGET_USD ? 'met' : `over by ${money(idle - IDLE_TARGET_USD)}`}`}.`,
    '',
    'What dominates:',
    '',
    ...typesRanked.map(([type, { count, usd }]) => `- ${type} (${count}): ${money(usd)}, ${((usd / idle) * 100).toFixed(0)} %`),
    '',
    '| Resource | Type | Basis | Per month |',
    '|---|---|---|---|',
    ...lines.filter((l) => l.monthlyUsd > 0).map((l) => `| \`${l.logicalId}\` | ${l.type} | ${l.basis}${flag(l)} | ${money(l.monthlyUsd)} |`),
    '',
    `No charge at rest (paid per request or free): ${[...free].sort().map(([t, n]) => `${t} × ${n}`).join(', ')}.`,
    ...(unpriced.length > 0 ? ['', `**Not priced by this estimate** (add them to bin/cost/estimate.ts): ${unpriced.join(', ')}.`] : []),
    '',
    'Assumptions: 0.1 GB per table (and per replica); an idle scheduled run takes 0.2 s and writes 2 KB of logs and one trace; custom metrics the jobs publish (CloudWatch $0.30 per metric name and dimension set) are not counted.',
    '',
    '### Reductions',
    '',
    ...reductions.map((r) => `- ${r}`),
    '',
    '## Per incident and per event, at the bench\'s request counts',
    '',
    'From bench/results.json: `capacityUnits` (read and write units per operation), `slaWorkflowTransitions` (a P1 handled in time),',
    `\`alarmStorm\` (${bench.incidentsPerEvent} incidents opened per event). An API request runs ${usage.apiSeconds} s at ${usage.apiMemoryGb} GB and logs ${usage.logKbPerRequest} KB.`,
    '',
    '| Item | Cost |',
    '|---|---|',
    ...usageTable(incident),
    ...usageTable(event),
    '',
    `At 500 incidents and 10,000 events a month: ${money(500 * incident.usd + 10000 * event.usd)} on top of the cost at rest.`,
    '',
    '## Price sources',
    '',
    ...Object.entries(PRICE_SOURCES).map(([name, url]) => `- ${name}: ${url}`),
    '',
  ].join('\n');
  return { stackName, region: regional.region, recovery, idleUsd: idle, markdown };
}

