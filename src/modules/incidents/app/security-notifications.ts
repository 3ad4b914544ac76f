import type { ContactRef, Notification } from '../../../kernel/app/ports';
import type { Incident } from '../domain/incident';
import type { Effect } from '../../outbox/domain';

/**
 * Who is told of a security incident (README "Security incidents"), however it became one — the
 * desk's flag, a GuardDuty or Inspector finding: the client's security contact (contacts.security,
 * else nominated contact #1) and the provider's Information Security Manager
 * (contacts.informationSecurityManager). Two notify effects, stored with the change that made the
 * incident a security incident, each sent once by the outbox consumer on the `security` topic.
 */
export interface SecurityAudience {
  readonly clientId: string;
  readonly securityContact: ContactRef;
  /** Absent only in settings built before the ISM was required (a client file must name one). */
  readonly informationSecurityManager?: ContactRef;
}

/** The client's security contact: their own, else nominated contact #1. */
export function securityContactOf(contacts: { readonly security?: ContactRef; readonly nominated: readonly ContactRef[] }): ContactRef {
  return contacts.security ?? contacts.nominated[0]!;
}

/**
 * `how`: what made it a security incident, e.g. `flagged by alice: phishing mail` or `GuardDuty
 * finding …`; `details`: lines the client's contact gets below it.
 */
export function securityNoticeEffects(audience: SecurityAudience, incident: Incident, how: { readonly source: string; readonly text: string; readonly subject: string; readonly details?: readonly string[] }): Effect[] {
  const attributes = { priority: incident.priority, client: audience.clientId, level: 'security', source: how.source };
  const client: Notification = {
    topic: 'security',
    subject: `[${incident.priority}] ${incident.number} security incident: ${how.subject}`,
    message: [how.text, ...(how.details ?? [])].join('\n'),
    recipients: [audience.securityContact],
    attributes,
  };
  const effects: Effect[] = [{ kind: 'notify', name: 'security-incident', notification: client }];
  const ism = audience.informationSecurityManager;
  if (ism) {
    effects.push({
      kind: 'notify',
      name: 'security-ism',
      notification: {
        topic: 'security',
        subject: `[${incident.priority}] ${incident.number} security incident (${audience.clientId}): ${how.subject}`,
        message: [
          `${ism.name}: ${incident.number} "${incident.shortDescription}" (service ${incident.service}) of client ${audience.clientId} is a security incident.`,
          how.text,
          `The client's security contact (${audience.securityContact.name}) is told too. Read it with the security-manager role: GET /incidents/${incident.id}.`,
        ].join('\n'),
        recipients: [ism],
        attributes: { ...attributes, audience: 'information-security-manager' },
      },
    });
  }
  return effects;
}
