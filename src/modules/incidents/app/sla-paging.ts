import type { ContactRef, Notification } from '../../../kernel/app/ports';
import type { Incident, IncidentChange } from '../domain/incident';
import { isOpen } from '../domain/incident-lifecycle';
import { slaOf } from '../domain/incident-sla';
import type { TimelineEntry } from '../domain/incident-timeline';
import { duePaging, nextFiringAt, scheduleIdsOf, selectPolicy, type Page, type PagingFiring, type PagingRecord, type ScheduleDefinition } from '../../oncall/domain';
import { escalationContacts, providerContacts, type Service } from '../../catalogue/domain';
import type { Effect, PageWebhookPage } from '../../outbox/domain';
import type { PagingSource } from './ports';
import type { SlaContacts } from './sla-use-cases';

/**
 * Paging by escalation policy inside the SLA workflow (README "On call"): the workflow's first
 * check of a newly logged incident chooses the policy for its service and priority and records it
 * on the incident; every later check fires the steps that fell due (paging src/modules/oncall/
 * domain/paging.ts), each firing stored with its notifications as outbox effects, until the
 * incident is acknowledged, resolved or canceled. Where no stored policy applies the record says
 * `default`: the client's contacts #1–#3 and service owner escalate on SLA breaches, as configured.
 */

export const DEFAULT_PAGING_POLICY = { id: 'default', name: 'Default (client contacts)' } as const;
const ACTOR = 'system:sla';

/** Why paging stops (undefined while it goes on). */
export function pagingStopReason(incident: Incident): string | undefined {
  const sla = slaOf(incident);
  if (sla.acknowledgedAt !== undefined) return `acknowledged at ${sla.acknowledgedAt}`;
  if (!isOpen(incident.state)) return `the incident is ${incident.state}`;
  return undefined;
}

/**
 * The paging record a check should store, or undefined when the stored one stands (or there is
 * none to store). Paging starts for an incident the workflow has not yet sent anything for (an
 * incident logged before its policy existed is not paged for steps long past); a priority change
 * while unacknowledged chooses again, and a different policy starts over from the change. Where no
 * stored policy applies nothing is written (the contacts escalate on breaches), so a new incident's
 * version moves only when a policy pages it: the desk's first `If-Match: "1"` still holds.
 */
export async function choosePaging(source: PagingSource, incident: Incident, now: Date): Promise<PagingRecord | undefined> {
  const sla = slaOf(incident);
  const current = sla.paging;
  if (current && current.forPriority === incident.priority) return undefined;
  if (pagingStopReason(incident) !== undefined) return undefined;
  if (!current && sla.notices.length > 0) return undefined;
  const chosen = selectPolicy(await source.policies(), incident.service, incident.priority);
  if (!current && !chosen) return undefined;
  if (current && (chosen?.id ?? DEFAULT_PAGING_POLICY.id) === current.policyId) return { ...current, forPriority: incident.priority };
  const startedAt = current ? now.toISOString() : incident.createdAt;
  const rotation = Number(/\d+/.exec(incident.number)?.[0] ?? 0);
  return chosen
    ? { policyId: chosen.id, policyName: chosen.name, policy: { steps: chosen.steps, repeat: chosen.repeat }, forPriority: incident.priority, startedAt, firings: [], rotation }
    : { policyId: DEFAULT_PAGING_POLICY.id, policyName: DEFAULT_PAGING_POLICY.name, forPriority: incident.priority, startedAt, firings: [], rotation };
}

export interface PagingDeps {
  readonly paging: PagingSource;
  readonly contacts: SlaContacts & { readonly security?: ContactRef };
  readonly clientId: string;
  /** The incident's service, when the catalogue knows it (its owner is a target). */
  readonly service: Service | undefined;
  /**
   * Whether call-centre webhooks can be called (the client config names their signing key): without
   * it, a webhook target is a paging gap (the provider is told), not a page nobody sends.
   */
  readonly callCentreWebhooks: boolean;
}

/** One recorded firing and who it reached, as its notifications tell it. */
interface Reached {
  readonly firing: PagingFiring;
  readonly recipients: ContactRef[];
  /** Names of the people paged, for the message. */
  readonly names: string[];
  readonly external: string[];
  /** Call-centre webhooks to POST the page to (page-webhook effects). */
  readonly webhooks: string[];
  /** Targets nobody stood behind, or people the directory cannot reach. */
  readonly gaps: string[];
}

export interface PagingOutcome {
  readonly change: IncidentChange;
  readonly effects: Effect[];
  /** Firings that reached nobody for some target: each raised the alarm. */
  readonly gaps: number;
  readonly sent: string[];
}

/**
 * The change that records what paging owes at `now` (steps due, or that it stopped), with its
 * notifications; undefined when nothing is owed.
 */
export async function pageDue(deps: PagingDeps, incident: Incident, now: Date): Promise<PagingOutcome | undefined> {
  const sla = slaOf(incident);
  const paging = sla.paging;
  if (!paging?.policy || paging.stoppedAt) return undefined;
  const at = now.toISOString();
  const stopped = pagingStopReason(incident);
  if (stopped !== undefined) {
    const record: PagingRecord = { ...paging, stoppedAt: at, stoppedBecause: stopped };
    const entry: TimelineEntry = { type: 'escalation', at, actor: ACTOR, visibility: 'internal', to: `paging stopped (${paging.policyName})`, reason: stopped };
    return { change: changeOf(incident, record, [entry], at), effects: [], gaps: 0, sent: ['paging:stopped'] };
  }
  const due = nextFiringAt(paging);
  if (due === undefined || due.getTime() > now.getTime()) return undefined;

  const schedules: Record<string, ScheduleDefinition> = {};
  for (const id of scheduleIdsOf(paging.policy)) {
    const schedule = await deps.paging.schedule(id);
    if (schedule) schedules[id] = schedule;
  }
  const { fired } = duePaging(paging, now, { schedules, ...(deps.service && { serviceOwner: deps.service.owner.username }) }, false);
  const reached: Reached[] = [];
  for (const firing of fired) reached.push(await reach(deps, firing));
  const record: PagingRecord = { ...paging, firings: [...paging.firings, ...fired] };
  const entries: TimelineEntry[] = reached.map(({ firing, names, external, gaps }) => ({
    type: 'escalation',
    at,
    actor: ACTOR,
    visibility: 'internal',
    to: `paged (step ${firing.step + 1}${firing.round > 0 ? `, round ${firing.round + 1}` : ''}) → ${[...names, ...external].join(', ') || 'nobody'}`,
    reason: `escalation policy "${paging.policyName}"${gaps.length > 0 ? `; not reached: ${gaps.join('; ')}` : ''}`,
  }));
  const effects: Effect[] = [];
  for (const r of reached) {
    const key = `r${r.firing.round + 1}s${r.firing.step + 1}`;
    if (r.recipients.length > 0 || r.external.length > 0) effects.push({ kind: 'notify', name: `page:${key}`, notification: pageNotification(deps, incident, record, r) });
    r.webhooks.forEach((url, i) => effects.push({ kind: 'page-webhook', name: `${key}#w${i + 1}`, url, page: webhookPage(incident, record, r, url) }));
    if (r.gaps.length > 0) effects.push({ kind: 'notify', name: `page-gap:${key}`, notification: gapNotification(deps, incident, record, r) });
  }
  const sent = reached.map((r) => `paging:r${r.firing.round + 1}s${r.firing.step + 1}`);
  return { change: changeOf(incident, record, entries, at), effects, gaps: reached.filter((r) => r.gaps.length > 0).length, sent };
}

function changeOf(incident: Incident, paging: PagingRecord, entries: TimelineEntry[], at: string): IncidentChange {
  return { incident: { ...incident, sla: { ...slaOf(incident), paging }, updatedAt: at, updatedBy: ACTOR, version: incident.version + 1 }, entries };
}

/** Who a firing's pages reach: the directory for people, the catalogue for the owner, the client's contacts by name. */
async function reach(deps: PagingDeps, firing: PagingFiring): Promise<Reached> {
  const recipients: ContactRef[] = [];
  const names: string[] = [];
  const external: string[] = [];
  const webhooks: string[] = [];
  const gaps: string[] = [];
  for (const page of firing.pages) await reachOne(deps, page, { recipients, names, external, webhooks, gaps });
  return { firing, recipients, names, external, webhooks, gaps };
}

async function reachOne(
  deps: PagingDeps,
  page: Page,
  into: { recipients: ContactRef[]; names: string[]; external: string[]; webhooks: string[]; gaps: string[] },
): Promise<void> {
  switch (page.kind) {
    case 'person': {
      const person = await deps.paging.person(page.username);
      const via = page.via ? ` (on call: schedule ${page.via.scheduleId})` : '';
      if (!person) {
        into.gaps.push(`${page.username}${via} has no contact details in the directory`);
        return;
      }
      into.recipients.push({ name: person.name, email: person.email, ...(person.phone && { phone: person.phone }), role: page.via ? 'on call' : 'paged' });
      into.names.push(`${person.name} (${page.username})${via}`);
      return;
    }
    case 'service-owner': {
      const owner = (page.username && (await deps.paging.person(page.username))) || escalationContacts(deps.service, deps.contacts).find((c) => c.role === 'service-owner')!.contact;
      into.recipients.push({ name: owner.name, email: owner.email, ...(owner.phone && { phone: owner.phone }), role: 'service owner' });
      into.names.push(`${owner.name} (service owner)`);
      return;
    }
    case 'client-contact': {
      const { contacts } = deps;
      const known = [...contacts.nominated, contacts.serviceOwner, contacts.providerNamed, contacts.providerBackup, ...(contacts.security ? [contacts.security] : [])];
      const contact = known.find((c) => c.name === page.name);
      if (!contact) {
        into.gaps.push(`client contact "${page.name}" is not among the client's contacts`);
        return;
      }
      into.recipients.push(contact);
      into.names.push(contact.name);
      return;
    }
    case 'external':
      if ('phone' in page) {
        into.external.push(`call centre ${page.phone}`);
        return;
      }
      if (!deps.callCentreWebhooks) {
        into.gaps.push(`call centre ${page.webhookUrl} cannot be called: the client config names no signing key for call-centre webhooks (integrations.callCentreWebhooks)`);
        return;
      }
      into.external.push(`call centre ${page.webhookUrl}`);
      if (!into.webhooks.includes(page.webhookUrl)) into.webhooks.push(page.webhookUrl);
      return;
    case 'nobody':
      into.gaps.push(page.reason);
      return;
  }
}

const topicOf = (incident: Incident) => (incident.security ? 'security' : incident.major ? 'major-incident' : 'escalation');

function pageNotification(deps: PagingDeps, incident: Incident, paging: PagingRecord, r: Reached): Notification {
  const step = r.firing.step + 1;
  const steps = paging.policy!.steps;
  const next = nextFiringAt(paging);
  const then = next ? ` If nobody acknowledges by ${next.toISOString()}, ${step < steps.length ? `step ${step + 1}` : 'the policy starts again'}.` : '';
  return {
    topic: topicOf(incident),
    subject: `[${incident.priority}] ${incident.number}: you are paged — acknowledge to stop the paging`,
    message:
      `${r.names.join(', ') || r.external.join(', ')}: you are paged for ${incident.number} "${incident.shortDescription}" (service ${incident.service}, ${incident.priority}), ` +
      `step ${step} of escalation policy "${paging.policyName}". Acknowledge it to stop the paging: "Acknowledge" on the incident in the desk, or ` +
      `POST /incidents/${incident.id}/acknowledge.${then}`,
    recipients: r.recipients,
    attributes: {
      client: deps.clientId,
      priority: incident.priority,
      kind: 'page',
      policy: paging.policyId,
      step: String(step),
      round: String(r.firing.round + 1),
      ...(r.external.length > 0 && { external: r.external.join(' | ') }),
    },
  };
}

/** The page a call centre's webhook is sent (the page-webhook effect): the incident, the step, who else is paged, how to acknowledge. */
function webhookPage(incident: Incident, paging: PagingRecord, r: Pick<Reached, 'firing' | 'names' | 'external'>, url: string): PageWebhookPage {
  const next = nextFiringAt(paging);
  return {
    incident: { id: incident.id, number: incident.number, priority: incident.priority, shortDescription: incident.shortDescription, service: incident.service },
    policy: { id: paging.policyId, name: paging.policyName },
    step: r.firing.step + 1,
    round: r.firing.round + 1,
    alsoPaged: [...r.names, ...r.external.filter((e) => e !== `call centre ${url}`)],
    acknowledge: { method: 'POST', path: `/incidents/${incident.id}/acknowledge`, ...(next && { before: next.toISOString() }) },
  };
}

/** Nobody stood behind a target: the provider's named contact and backup are told (the alarm). */
function gapNotification(deps: PagingDeps, incident: Incident, paging: PagingRecord, r: Reached): Notification {
  const provider = providerContacts(deps.service, deps.contacts);
  return {
    topic: topicOf(incident),
    subject: `[${incident.priority}] ${incident.number}: paging gap — step ${r.firing.step + 1} reached nobody for some targets`,
    message:
      `Escalation policy "${paging.policyName}", step ${r.firing.step + 1}, for ${incident.number} "${incident.shortDescription}" (service ${incident.service}): ` +
      `${r.gaps.join('; ')}. ${r.recipients.length > 0 ? `Paged instead: ${r.names.join(', ')}.` : 'Nobody was paged by this step: the next step is paged now.'} Fix the rota or the directory.`,
    recipients: [provider.named, provider.backup],
    attributes: { client: deps.clientId, priority: incident.priority, kind: 'paging-gap', policy: paging.policyId, step: String(r.firing.step + 1) },
  };
}
