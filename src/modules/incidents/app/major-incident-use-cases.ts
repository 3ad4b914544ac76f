import { ForbiddenError, InvalidInputError, VersionConflictError } from '../../../kernel/domain/domain-errors';
import { incidentScope, mayActOnIncident, mayReadInternal, type Caller } from '../../../kernel/domain/access-policy';
import type { VersionPrecondition } from '../../../kernel/domain/version-precondition';
import type { ContactRef, Notification } from '../../../kernel/app/ports';
import { effectsOf } from '../../outbox/domain';
import { incidentAdditionEntry, incidentChangeEntry } from '../../audit/app';
import type { TimelineEntry } from '../domain/incident-timeline';
import { recordDisasterRecovery, type DisasterRecoveryStep } from '../domain/major-incident';
import { escalateOverdueActions, overdueActions, saveReview, type ReviewInput } from '../domain/post-incident-review';
import type { SlaPolicy } from '../domain/incident-sla';
import { assertOwnerPower, incidentViewFor, load, loadForChange, now, serviceOwnerOf, storeChange, type IncidentDeps, type IncidentView } from './incident-use-cases';
import { communicationOf, majorIncidentRecipients } from './major-incident-notices';
import { slaView, withSlaFacts } from './sla-use-cases';
import { buildIncidentReport, type IncidentReport, type ReportAudience } from './incident-report';
import type { PagingSource, RootCauseSource } from './ports';
import { escalationContacts } from '../../catalogue/domain';
import type { Incident } from '../domain/incident';

/**
 * Major incident management beyond the declaration (README "Major incidents"): the disaster-
 * recovery record, the communications to the client, the incident report and the post-incident
 * review with its actions, whose overdue ones escalate to the service owner.
 */

/** Invoking the DR plan (or deciding not to) is the declaring power's; recording the recovery is the desk's. */
export async function recordDisasterRecoveryStep(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  step: DisasterRecoveryStep,
  ifMatch: VersionPrecondition | undefined,
): Promise<IncidentView> {
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:update', 'record disaster recovery', ifMatch);
  if (step.action !== 'recovered') {
    if (incidentScope(caller, 'incident:declare-major') !== 'any') throw new ForbiddenError('Invoking a disaster-recovery plan (or deciding not to) is for service owners and admins', 'action');
    await assertOwnerPower(deps, caller, 'incident:declare-major', current, 'decide on disaster recovery', 'action');
  }
  const at = now(deps);
  const change = withSlaFacts(current, recordDisasterRecovery(current, step, caller, at), at, false);
  await storeChange(deps, caller, `incident:disaster-recovery:${step.action}`, current, change);
  return incidentViewFor(caller, change.incident);
}

/**
 * An update to the client about a major incident: sent through the outbox to the service's
 * nominated and provider contacts, and logged as sent in the same transaction. Like a comment or a
 * work note it is appended to the timeline: it changes no field, so the incident's version (ETag)
 * stays, and needs no If-Match. Its outbox effect is named by the version and a fresh id.
 */
export async function sendCommunication(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  notice: { readonly subject: string; readonly message: string },
): Promise<TimelineEntry> {
  const current = await load(deps, caller, idOrNumber);
  if (!mayActOnIncident(caller, 'incident:update', current)) throw new ForbiddenError('Your role may not send communications', 'role');
  if (!current.major) throw new InvalidInputError([{ field: 'subject', message: 'communications are sent for major incidents; declare the incident major first' }]);
  const service = await deps.services.getService(current.service).catch(() => undefined);
  const at = now(deps);
  const notification: Notification = {
    topic: 'major-incident',
    subject: `UPDATE: MAJOR INCIDENT ${current.number}: ${notice.subject.trim()}`,
    message: notice.message.trim(),
    recipients: majorIncidentRecipients(deps, service),
    attributes: { priority: current.priority, client: deps.settings.clientId, level: 'major' },
  };
  const { entry, effect } = communicationOf(current, { kind: 'update', name: `major-incident-update#${deps.ids.newId()}`, notification }, caller.name, at);
  await deps.incidents.append(current.id, [entry], incidentAdditionEntry(caller, 'incident:communication', current.id, { communication: entry }), [effect]);
  return entry;
}

/** Opens or changes the post-incident review of a resolved major incident (If-Match: the incident). */
export async function saveIncidentReview(
  deps: IncidentDeps,
  caller: Caller,
  idOrNumber: string,
  input: ReviewInput,
  ifMatch: VersionPrecondition | undefined,
): Promise<IncidentView> {
  const current = await loadForChange(deps, caller, idOrNumber, 'incident:update', 'hold post-incident reviews', ifMatch);
  // Whom overdue actions escalate to: the service's owner when the review is opened.
  const serviceOwner = current.review?.serviceOwner ?? (await serviceOwnerOf(deps, current));
  const change = saveReview(current, input, { actor: caller, now: now(deps), serviceOwner });
  await storeChange(deps, caller, 'incident:review', current, change);
  return incidentViewFor(caller, change.incident);
}

export interface IncidentReportDeps extends IncidentDeps {
  readonly slaPolicy: SlaPolicy;
  readonly rootCauses: RootCauseSource;
}

/** The most timeline entries a report reads (pages of 100): a major incident's whole history, bounded. */
const MAX_REPORT_ENTRIES = 2_000;

/**
 * The incident report. The client version is what a requester reads of their incident, and what
 * the desk asks for (`audience=client`) to send on: public entries only, no internal fields.
 */
export async function getIncidentReport(deps: IncidentReportDeps, caller: Caller, idOrNumber: string, requested: ReportAudience | undefined): Promise<IncidentReport> {
  const incident = await load(deps, caller, idOrNumber);
  const audience: ReportAudience = mayReadInternal(caller, incident) && requested !== 'client' ? 'desk' : 'client';
  const entries: TimelineEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.incidents.timeline(incident.id, { limit: 100, publicOnly: audience === 'client', incident, ...(nextToken && { nextToken }) });
    entries.push(...page.items.map(({ id: _id, ...entry }) => entry));
    nextToken = page.nextToken;
  } while (nextToken && entries.length < MAX_REPORT_ENTRIES);
  const problems = await deps.rootCauses.problemsOfIncident(incident.id);
  const at = deps.clock.now();
  return buildIncidentReport({ incident, entries, sla: slaView(incident, deps.slaPolicy, at), problems, audience, now: at.toISOString() });
}

const REVIEW_ACTIONS_JOB = 'system:review-actions';

export interface ReviewEscalationDeps extends IncidentDeps {
  /**
   * The people directory (src/modules/oncall): how an action's owner (a username) is reached.
   * @default none: action owners are named in the notice but not sent it
   */
  readonly people?: Pick<PagingSource, 'person'>;
}

/**
 * Whom an overdue action of `incident` escalates to: the service's owner as the catalogue names
 * them now (an owner who took the service over after the review opened is the one to chase it), or
 * the owner recorded when the review opened where the service is gone (deleted or retired).
 */
async function currentServiceOwner(deps: IncidentDeps, incident: Incident, recorded: ContactRef): Promise<ContactRef> {
  const service = await deps.services.getService(incident.service);
  if (!service || service.status === 'retired') return recorded;
  return escalationContacts(service, deps.settings.contacts).find((c) => c.role === 'service-owner')!.contact;
}

/**
 * Scheduled: open review actions past their due date are escalated to the service's current owner
 * (else the owner recorded on the review), once per due date, and each action's owner is told too
 * (a notice through the outbox, an internal timeline entry). Returns how many actions it escalated.
 */
export async function escalateOverdueReviewActions(deps: ReviewEscalationDeps, maxActions = 200): Promise<number> {
  const at = now(deps);
  const markers = await deps.incidents.reviewActionsDueBefore(at, maxActions);
  const incidentIds = [...new Set(markers.map((m) => m.incidentId))];
  let escalated = 0;
  for (const incidentId of incidentIds) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const incident = await deps.incidents.get(incidentId);
      // The catalogue is read only for an incident with something to escalate.
      if (!incident?.review || overdueActions(incident.review, at).length === 0) break;
      const serviceOwner = await currentServiceOwner(deps, incident, incident.review.serviceOwner);
      const result = escalateOverdueActions(incident, at, REVIEW_ACTIONS_JOB, serviceOwner);
      if (!result) break;
      const owners = await actionOwners(deps, result.actions.map((a) => a.owner));
      const recipients = [serviceOwner, ...[...owners.values()].filter((c): c is ContactRef => c !== undefined)].filter(
        (contact, i, all) => all.findIndex((c) => c.email === contact.email) === i,
      );
      const notification: Notification = {
        topic: 'escalation',
        subject: `[${incident.priority}] ${incident.number} post-incident review: ${result.actions.length} action(s) overdue`,
        message: [
          `Post-incident review of ${incident.number} "${incident.shortDescription}" (service ${incident.service}): actions past their due date, escalated to the service owner ${serviceOwner.name}.`,
          ...result.actions.map(
            (a) =>
              `${a.id} (owner ${a.owner}${owners.get(a.owner) ? '' : ': not in the people directory, not told'}, due ${a.due}): ${a.description}${a.link ? ` [${a.link.kind} ${a.link.id}]` : ''}`,
          ),
        ].join('\n'),
        recipients,
        attributes: { priority: incident.priority, client: deps.settings.clientId, kind: 'review-action-overdue' },
      };
      try {
        await deps.incidents.save(
          result.change,
          incident.version,
          incident,
          incidentChangeEntry({ id: REVIEW_ACTIONS_JOB, name: REVIEW_ACTIONS_JOB }, 'incident:review-action-escalate', incident, result.change.incident),
          effectsOf(incident.id, result.change.incident.version, [{ kind: 'notify', name: 'review-action-overdue', notification }]),
        );
        escalated += result.actions.length;
        break;
      } catch (error) {
        // Someone changed the incident meanwhile (perhaps closed the action): read it again.
        if (!(error instanceof VersionConflictError)) throw error;
      }
    }
  }
  return escalated;
}

/** The contact details of actions' owners (usernames) from the people directory; undefined where it has none. */
async function actionOwners(deps: ReviewEscalationDeps, usernames: readonly string[]): Promise<Map<string, ContactRef | undefined>> {
  const found = new Map<string, ContactRef | undefined>();
  for (const username of new Set(usernames)) {
    const person = await deps.people?.person(username);
    found.set(username, person && { name: person.name, email: person.email, ...(person.phone && { phone: person.phone }), role: 'review action owner' });
  }
  return found;
}
