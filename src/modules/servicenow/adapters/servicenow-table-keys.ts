/**
 * The exchange's items live in the incidents table, beside the incidents they follow (no table of
 * their own: the stack's resource budget is tight, and these are few, small items).
 * | item                     | pk                               | sk                    |
 * |--------------------------|----------------------------------|-----------------------|
 * | sync state (and lease)   | SERVICENOW#INCIDENT#<incidentId> | SYNC                  |
 * | link record → incident   | SERVICENOW#RECORD#<sys_id>       | LINK                  |
 * | their SLA clocks         | SERVICENOW#INCIDENT#<incidentId> | SLA                   |
 * | poll watermark           | SERVICENOW#POLL                  | <table>               |
 * | exception                | SERVICENOW#EXCEPTIONS            | <id> (time-ordered)   |
 *
 * None carries an index attribute, so no index sees them; the outbox consumer's stream filter
 * passes OUTBOX items only.
 */
export const syncStateKey = (incidentId: string) => ({ pk: `SERVICENOW#INCIDENT#${incidentId}`, sk: 'SYNC' });
export const clientSlaKey = (incidentId: string) => ({ pk: `SERVICENOW#INCIDENT#${incidentId}`, sk: 'SLA' });
export const recordLinkKey = (sysId: string) => ({ pk: `SERVICENOW#RECORD#${sysId}`, sk: 'LINK' });
export const pollWatermarkKey = (table: string) => ({ pk: 'SERVICENOW#POLL', sk: table });
export const EXCEPTIONS_PARTITION = 'SERVICENOW#EXCEPTIONS';
export const exceptionKey = (id: string) => ({ pk: EXCEPTIONS_PARTITION, sk: id });
/** Exception ids sort by time: `<yyyymmddhhmmssmmm>-<8 hex>`. */
export const EXCEPTION_ID = /^\d{17}-[0-9a-f]{8}$/;
