import type { ClientSettings } from '../../../config/client-settings-schema';
import type { ProblemDeps } from '../app/problem-use-cases';

/**
 * Whether (and for whom) knowledge changes are mirrored to the client's ServiceNow knowledge base:
 * config `integrations.servicenow.knowledge`, where the exchange is enabled. Spread into the deps.
 */
export function knowledgeBaseOf(settings: Pick<ClientSettings, 'integrations'>): Pick<ProblemDeps, 'knowledgeBase'> {
  const servicenow = settings.integrations.servicenow;
  return servicenow?.enabled && servicenow.knowledge ? { knowledgeBase: { access: servicenow.knowledge.access } } : {};
}
