import * as z from 'zod';
import { EVENT_SEVERITIES } from '../domain/alarm-policy';
import { MAX_EVENT_RANGE_DAYS, TREND_BUCKETS } from '../domain/event-trends';
import { EVENT_SOURCES } from '../app/event-use-cases';

/** Query and response schemas of the monitoring event routes (GET /events, GET /events/trends). */
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00Z');

export const listEventsQuerySchema = z
  .strictObject({
    source: z.enum(EVENT_SOURCES).optional().describe('One EventBridge source; every source when omitted'),
    severity: z.enum(EVENT_SEVERITIES).optional(),
    from: timestamp.describe('Received at or after (inclusive)'),
    to: timestamp.describe(`Received before (exclusive); at most ${MAX_EVENT_RANGE_DAYS} days after from`),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    nextToken: z.string().max(2048).optional(),
  })
  .describe(`Events received in [from, to), at most ${MAX_EVENT_RANGE_DAYS} days`);
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

export const eventTrendsQuerySchema = z
  .strictObject({
    bucket: z.enum(TREND_BUCKETS).default('hour'),
    from: timestamp.describe('Range start, widened to the start of its bucket'),
    to: timestamp.describe(`Range end (exclusive), widened to the end of its bucket; at most ${MAX_EVENT_RANGE_DAYS} days after from`),
  })
  .describe('Counts of received events per hour or day');
export type EventTrendsQuery = z.infer<typeof eventTrendsQuerySchema>;

export const monitoringEventSchema = z
  .object({
    id: z.string().describe('The EventBridge event id'),
    source: z.string(),
    type: z.string().describe('The EventBridge detail-type'),
    severity: z.enum(EVENT_SEVERITIES),
    resource: z.string().optional().describe('Alarm ARN, GuardDuty finding id or Inspector finding ARN'),
    state: z.string().optional().describe('Alarm state, finding severity or finding status'),
    time: z.string().describe('When AWS says the event happened'),
    receivedAt: timestamp,
    outcome: z.string().describe('What ingestion did: opened, attached, noted, resolved, reopened, recorded'),
    incidentId: z.string().optional(),
    detail: z.unknown().describe('The event detail as received'),
  })
  .describe('A monitoring event as received');

export const eventPageSchema = z.object({
  items: z.array(monitoringEventSchema).describe('Day by day, each day source by source, oldest first within each'),
  nextToken: z.string().optional().describe('Pass back as ?nextToken= to read the next page'),
});

export const eventTrendsSchema = z
  .object({
    bucket: z.enum(TREND_BUCKETS),
    from: timestamp,
    to: timestamp,
    buckets: z.array(
      z.object({
        start: timestamp,
        total: z.number().int(),
        counts: z.array(z.object({ source: z.string(), severity: z.enum(EVENT_SEVERITIES), count: z.number().int() })),
      }),
    ),
  })
  .describe('Events received per bucket, by source and severity (every bucket of the range, empty ones included)');
