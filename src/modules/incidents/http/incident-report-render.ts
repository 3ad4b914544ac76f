import type { IncidentReport } from '../app/incident-report';
import type { ObjectiveFigure } from '../domain/major-incident';

/**
 * The incident report as Markdown and as HTML, both from the JSON report (one source, never typed
 * twice). The HTML page stands alone: no script, no external resource, styles inline and a print
 * style sheet, so it prints to PDF as it shows.
 */

const cell = (value: unknown) => String(value ?? '—').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const objective = (f: ObjectiveFigure) =>
  `${f.target ? `${f.target} (${f.targetMinutes} min)` : 'no target'} · achieved ${f.achievedMinutes === undefined ? '—' : `${f.achievedMinutes} min`}${f.met === undefined ? '' : f.met ? ' · met' : ' · missed'}`;

interface Section {
  readonly title: string;
  readonly rows?: readonly (readonly [string, unknown])[];
  readonly table?: { readonly head: readonly string[]; readonly body: readonly (readonly unknown[])[] };
  readonly items?: readonly string[];
  readonly empty?: string;
}

function sectionsOf(report: IncidentReport): Section[] {
  const s = report.summary;
  const i = report.impact;
  const dr = report.disasterRecovery;
  return [
    {
      title: 'Summary',
      rows: [
        ['Incident', `${s.number}: ${s.title}`],
        ['Service', s.service],
        ['Priority', s.priority],
        ['State', s.state],
        ['Major incident', s.major ? 'yes' : 'no'],
        ...(s.majorReason ? [['Declared major because', s.majorReason] as const] : []),
        ['Category', s.category],
        ['Reported by', s.reportedBy],
        ['Assigned to', s.assignee ?? s.assignmentGroup],
        ['Detected', s.detectedAt],
        ['Resolved', s.resolvedAt],
        ['Closed', s.closedAt],
        ['Resolution', s.resolutionCode ? `${s.resolutionCode}: ${s.resolutionNotes ?? ''}` : undefined],
        ['Reopened', s.reopenCount],
        ['Description', s.description],
      ],
    },
    {
      title: 'Impact',
      rows: [
        ['Services affected', i.services.join(', ')],
        ['Impact / urgency', `${i.impact} / ${i.urgency}`],
        ['Users affected', i.usersAffected],
        ['Outage', i.outage ? `${i.outage.start} → ${i.outage.end ?? 'ongoing'}` : 'not marked as an outage'],
        ['Outage minutes', i.outageMinutes],
        ['User outage minutes', i.userOutageMinutes],
        ['Lost transactions', i.lostTransactions],
        ['Paused (On Hold) minutes', i.pausedMinutes],
      ],
      table: {
        head: ['SLA target', 'Target (min)', 'State', 'Due', 'Achieved', 'Elapsed (min)', 'Paused (min)'],
        body: i.sla.map((t) => [t.target, t.targetMinutes, t.state, t.dueAt, t.achievedAt ?? t.breachedAt, t.elapsedMinutes, t.pausedMinutes]),
      },
    },
    {
      title: 'Timeline',
      table: { head: ['When', 'Source', 'Who', 'What'], body: report.timeline.map((t) => [t.at, t.source, t.actor, t.text]) },
    },
    {
      title: 'Root cause',
      items: report.rootCause.problems.map((p) =>
        [`${p.number} ${p.title} (${p.state})`, p.knownError ? `root cause: ${p.knownError.rootCause}; workaround: ${p.knownError.workaround} (fix ${p.knownError.fixStatus})` : undefined, p.resolution ? `resolution: ${p.resolution}` : undefined]
          .filter(Boolean)
          .join(' — '),
      ),
      empty: 'No problem is linked to this incident yet.',
    },
    {
      title: 'Disaster recovery',
      ...(dr
        ? {
            rows: [
              ...(dr.plan ? [['Plan', `${dr.plan} (${dr.source})`] as const] : [['Plan', `the ${dr.source}'s plan`] as const]),
              ['Invoked', dr.invoked === undefined ? 'not decided' : dr.invoked ? `yes, at ${dr.decidedAt}${dr.decidedBy ? ` by ${dr.decidedBy}` : ''}` : `no (decided ${dr.decidedAt})`],
              ...(dr.reason ? [['Reason', dr.reason] as const] : []),
              ['Service restored', dr.restoredAt],
              ['Data restored to', dr.dataRestoredTo],
              ['RTO', objective(dr.rto)],
              ['RPO', objective(dr.rpo)],
            ],
          }
        : { empty: 'No disaster-recovery plan applies.' }),
    },
    {
      title: 'Communications',
      table: {
        head: ['Sent', 'Kind', 'Subject', 'Message', ...(report.audience === 'desk' ? ['To'] : [])],
        body: report.communications.map((c) => [c.at, c.kind, c.subject, c.message, ...(report.audience === 'desk' ? [c.recipients?.join(', ')] : [])]),
      },
      empty: 'Nothing was sent to the client.',
    },
    {
      title: 'Post-incident review',
      ...(report.review
        ? {
            rows: [
              ['Status', report.review.status],
              ['Opened', report.review.openedAt],
              ['Completed', report.review.completedAt],
              ['Summary', report.review.summary],
            ],
            items: report.review.findings,
          }
        : { empty: 'No review yet.' }),
    },
    {
      title: 'Actions',
      table: {
        head: ['Action', 'Description', ...(report.audience === 'desk' ? ['Owner'] : []), 'Due', 'Status', 'Link'],
        body: report.actions.map((a) => [a.id, a.description, ...(report.audience === 'desk' ? [a.owner] : []), a.due, a.overdue ? 'open (overdue)' : a.status, a.link ? `${a.link.kind} ${a.link.id}` : undefined]),
      },
      empty: 'No actions.',
    },
  ];
}

const title = (report: IncidentReport) => `Incident report ${report.summary.number}${report.audience === 'client' ? ' (client version)' : ''}`;

export function incidentReportToMarkdown(report: IncidentReport): string {
  const lines = [`# ${title(report)}`, '', `Generated ${report.generatedAt}.`, ''];
  for (const section of sectionsOf(report)) {
    lines.push(`## ${section.title}`, '');
    const rows = (section.rows ?? []).filter(([, v]) => v !== undefined && v !== '');
    if (rows.length > 0) {
      lines.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`), '');
    }
    if (section.table && section.table.body.length > 0) {
      lines.push(`| ${section.table.head.join(' | ')} |`, `|${section.table.head.map(() => '---').join('|')}|`, ...section.table.body.map((r) => `| ${r.map(cell).join(' | ')} |`), '');
    }
    if (section.items && section.items.length > 0) lines.push(...section.items.map((item) => `- ${item.replace(/\r?\n/g, ' ')}`), '');
    const shown = rows.length > 0 || (section.table?.body.length ?? 0) > 0 || (section.items?.length ?? 0) > 0;
    if (!shown && section.empty) lines.push(section.empty, '');
  }
  return lines.join('\n');
}

const escapeHtml = (value: unknown) =>
  String(value ?? '—').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;color:#1a1a1a;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #999;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}th[scope=row]{width:14rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}`;

export function incidentReportToHtml(report: IncidentReport): string {
  const parts: string[] = [];
  for (const section of sectionsOf(report)) {
    const id = section.title.toLowerCase().replace(/[^a-z]+/g, '-');
    parts.push(`<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(section.title)}</h2>`);
    const rows = (section.rows ?? []).filter(([, v]) => v !== undefined && v !== '');
    if (rows.length > 0) parts.push(`<table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`);
    if (section.table && section.table.body.length > 0) {
      parts.push(
        `<table><thead><tr>${section.table.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${section.table.body
          .map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    }
    if (section.items && section.items.length > 0) parts.push(`<ul>${section.items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`);
    const shown = rows.length > 0 || (section.table?.body.length ?? 0) > 0 || (section.items?.length ?? 0) > 0;
    if (!shown && section.empty) parts.push(`<p>${escapeHtml(section.empty)}</p>`);
    parts.push('</section>');
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title(report))}</title><style>${STYLE}</style></head>`,
    `<body><main><h1>${escapeHtml(title(report))}</h1><p>Generated ${escapeHtml(report.generatedAt)}.</p>`,
    ...parts,
    '</main></body></html>',
  ].join('\n');
}
