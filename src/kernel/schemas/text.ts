import * as z from 'zod';

// C0 controls but tab, line feed and carriage return; DEL; C1 controls; the Unicode line and
// paragraph separators; and the bidirectional overrides that can make text read other than it is.
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
// A single line also refuses tab, line feed and carriage return.
const CONTROL_IN_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

/** Free text (descriptions, notes): line breaks allowed, other control characters refused. */
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max).refine((value) => !CONTROL_IN_TEXT.test(value), 'must not contain control characters');

/**
 * A single line (titles, names, short descriptions): no line breaks or control characters. These
 * fields end up in notification subjects, e-mail headers and CSV cells, where a line break splits
 * or silences what is sent.
 */
export const line = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max).refine((value) => !CONTROL_IN_LINE.test(value), 'must be one line without control characters');
