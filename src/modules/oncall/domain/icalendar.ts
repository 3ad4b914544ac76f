/**
 * iCalendar (RFC 5545) for one person's on-call shifts: a VCALENDAR of VEVENTs with UTC times,
 * CRLF line endings and content lines folded at 75 octets (§3.1). Pure: the stamp is a parameter.
 */

export interface CalendarShift {
  readonly start: string;
  readonly end: string;
}

export interface PersonCalendar {
  readonly scheduleId: string;
  readonly scheduleName: string;
  readonly person: string;
  readonly shifts: readonly CalendarShift[];
  /** DTSTAMP of every event: when the calendar was rendered. */
  readonly stampedAt: Date;
  /** The UID's domain part, e.g. the client's id. */
  readonly domain: string;
}

const utc = (iso: string | Date) => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** TEXT values escape backslash, semicolon, comma and line breaks (§3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line into chunks of at most 75 octets, never splitting a UTF-8 character; continuations start with a space. */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function renderPersonCalendar(calendar: PersonCalendar): string {
  const stamp = utc(calendar.stampedAt);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rowe-itsm//on call//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(`On call: ${calendar.scheduleName} (${calendar.person})`)}`,
  ];
  for (const shift of calendar.shifts) {
    lines.push(
      'BEGIN:VEVENT',
      // Stable across renders: the same shift keeps its UID, so subscribed calendars update in place.
      `UID:${calendar.scheduleId}-${calendar.person}-${utc(shift.start)}@${calendar.domain}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${utc(shift.start)}`,
      `DTEND:${utc(shift.end)}`,
      `SUMMARY:${escapeText(`On call: ${calendar.scheduleName}`)}`,
      'TRANSP:OPAQUE',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
