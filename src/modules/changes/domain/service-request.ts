import type { Caller } from '../../../kernel/domain/access-policy';
import { IllegalTransitionError, InvalidInputError, LifecycleError } from '../../../kernel/domain/domain-errors';
import type { ServiceRequestType } from '../../catalogue/domain';
import { parseIsoDuration } from '../../../kernel/domain/iso-duration';

/**
 * Service requests: asks for something standard (a delivery such as a report, information,
 * access, feedback) that changes nothing in the service. Pure.
 *
 *   Submitted ──► Approved ──► In Fulfilment ──► Fulfilled ──► Closed
 *       │  └──────────────────────▲ (types that need no approval)
 *       └──► Rejected
 *   Submitted | Approved | In Fulfilment ──► Closed (transferred to an incident or a change)
 */
export const REQUEST_TYPES = ['standard-delivery', 'information', 'access', 'feedback'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUEST_STATES = ['Submitted', 'Approved', 'In Fulfilment', 'Fulfilled', 'Closed', 'Rejected'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  Submitted: ['Approved', 'In Fulfilment', 'Rejected'],
  Approved: ['In Fulfilment'],
  'In Fulfilment': ['Fulfilled'],
  Fulfilled: ['Closed'],
  Closed: [],
  Rejected: [],
};

/** States a transfer may close a request from: it is still open and not yet fulfilled. */
const TRANSFERABLE: readonly RequestState[] = ['Submitted', 'Approved', 'In Fulfilment'];

export interface RequestPolicy {
  /** Fulfilment target per type, ISO 8601 duration from submission (wall-clock). */
  readonly fulfilmentTargets: Readonly<Record<RequestType, string>>;
  /** Types that need approval (by the service's owner or a change manager) before fulfilment. */
  readonly approvalRequired: readonly RequestType[];
}

export interface RequestInput {
  readonly type: RequestType;
  readonly service: string;
  readonly title: string;
  readonly description: string;
}

export interface ServiceRequest extends RequestInput {
  readonly id: string;
  /** The service's name for the request type, where the service lists its request types. */
  readonly typeName?: string;
  readonly state: RequestState;
  readonly needsApproval: boolean;
  readonly fulfilmentDue: string;
  readonly assignee?: string;
  readonly approvedBy?: string;
  readonly comments: readonly { readonly by: string; readonly at: string; readonly text: string }[];
  /** Set when the request was closed as an incident or raised a change. */
  readonly transferredTo?: { readonly incident?: string; readonly change?: string };
  readonly history: readonly { readonly at: string; readonly by: string; readonly from: RequestState; readonly to: RequestState; readonly note?: string }[];
  readonly requestedBy: string;
  /** The requester's stable id (Cognito `sub`): ownership is checked by it (a username can be reused). */
  readonly requestedById?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly version: number;
}

/**
 * The rules a request of this type follows on this service: the service's own entry for the type
 * where it lists its request types (a type it does not list is refused, naming `type`), the
 * client's policy for what the entry leaves out, and the client's policy alone otherwise.
 */
export function requestRulesFor(
  service: { readonly id: string; readonly requestTypes?: readonly ServiceRequestType[] },
  type: RequestType,
  client: RequestPolicy,
): { readonly fulfilmentTarget: string; readonly needsApproval: boolean; readonly typeName?: string } {
  const clientRules = { fulfilmentTarget: client.fulfilmentTargets[type], needsApproval: client.approvalRequired.includes(type) };
  if (!service.requestTypes) return clientRules;
  const entry = service.requestTypes.find((t) => t.type === type);
  if (!entry) {
    const offered = service.requestTypes.map((t) => `${t.type} (${t.name})`).join(', ') || 'none';
    throw new InvalidInputError([{ field: 'type', message: `${service.id} does not take "${type}" requests; it takes: ${offered}` }]);
  }
  return {
    fulfilmentTarget: entry.fulfilmentTarget ?? clientRules.fulfilmentTarget,
    needsApproval: entry.approvalRequired ?? clientRules.needsApproval,
    typeName: entry.name,
  };
}

export function newRequest(
  id: string,
  input: RequestInput,
  rules: { readonly fulfilmentTarget: string; readonly needsApproval: boolean; readonly typeName?: string },
  caller: Caller,
  now: string,
): ServiceRequest {
  const target = parseIsoDuration(rules.fulfilmentTarget) ?? 0;
  return {
    id,
    type: input.type,
    ...(rules.typeName && { typeName: rules.typeName }),
    service: input.service,
    title: input.title,
    description: input.description,
    state: 'Submitted',
    needsApproval: rules.needsApproval,
    fulfilmentDue: new Date(Date.parse(now) + target).toISOString(),
    comments: [],
    history: [],
    requestedBy: caller.name,
    requestedById: caller.id,
    createdAt: now,
    updatedAt: now,
    updatedBy: caller.name,
    version: 1,
  };
}

export function moveRequest(request: ServiceRequest, to: RequestState, caller: Caller, now: string, patch: Partial<ServiceRequest> = {}, note?: string): ServiceRequest {
  if (!TRANSITIONS[request.state].includes(to)) throw new IllegalTransitionError(request.state, to, TRANSITIONS[request.state], 'A request');
  if (to === 'In Fulfilment' && request.state === 'Submitted' && request.needsApproval) {
    throw new LifecycleError(`A ${request.type} request is approved before it is fulfilled`, 'state');
  }
  if (to === 'Approved' && !request.needsApproval) throw new LifecycleError(`A ${request.type} request needs no approval; move it to In Fulfilment`, 'state');
  return {
    ...request,
    ...patch,
    state: to,
    history: [...request.history, { at: now, by: caller.name, from: request.state, to, ...(note !== undefined && { note }) }],
    updatedAt: now,
    updatedBy: caller.name,
    version: request.version + 1,
  };
}

/** Closes the request as transferred (to an incident, or to a change it raised). */
export function transferRequest(request: ServiceRequest, to: { readonly incident?: string; readonly change?: string }, caller: Caller, now: string): ServiceRequest {
  if (!TRANSFERABLE.includes(request.state)) {
    throw new LifecycleError(`A request in state "${request.state}" can no longer be transferred`, 'state');
  }
  return {
    ...request,
    state: 'Closed',
    transferredTo: to,
    history: [...request.history, { at: now, by: caller.name, from: request.state, to: 'Closed', note: to.incident ? `transferred to incident ${to.incident}` : `raised change ${to.change}` }],
    updatedAt: now,
    updatedBy: caller.name,
    version: request.version + 1,
  };
}

/**
 * A request keeps its comments in its own item (one GetItem reads the whole conversation, and a
 * comment is stored with the request's version), so they are capped: an item may not pass
 * DynamoDB's 400 KB. 50 comments, or 200 KB of comment text (a comment may hold 8,000 characters,
 * up to 32 KB in UTF-8), leave room for the description and the history. A request that needs more
 * talk than that is an incident or a change (POST /requests/{id}/transfer).
 */
export const MAX_REQUEST_COMMENTS = 50;
export const MAX_REQUEST_COMMENT_BYTES = 200 * 1024;

const utf8Length = (text: string) => {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
};

export function addRequestComment(request: ServiceRequest, text: string, caller: Caller, now: string): ServiceRequest {
  const bytes = request.comments.reduce((sum, c) => sum + utf8Length(c.text), 0) + utf8Length(text);
  if (request.comments.length >= MAX_REQUEST_COMMENTS || bytes > MAX_REQUEST_COMMENT_BYTES) {
    throw new LifecycleError(
      `This request holds the most comments a request keeps (${MAX_REQUEST_COMMENTS} comments or ${MAX_REQUEST_COMMENT_BYTES / 1024} KB); transfer it to an incident or a change to go on`,
      'comments',
    );
  }
  return { ...request, comments: [...request.comments, { by: caller.name, at: now, text }], updatedAt: now, updatedBy: caller.name, version: request.version + 1 };
}
