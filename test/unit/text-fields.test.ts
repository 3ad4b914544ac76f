import { line, text } from '../../src/kernel/schemas/text';
import { snsSubject } from '../../src/kernel/adapters/sns-notifier';
import { refusedSubject } from '../../local/local-sns';
import { createIncidentBodySchema } from '../../src/modules/incidents/schemas/incident-schemas';
import { createChangeBodySchema } from '../../src/modules/changes/schemas/change-schemas';

const NASTY = [
  'Printer on fire',
  'line one\nline two',
  'tab\there',
  'carriage\rreturn',
  'nul\u0000byte',
  'bell\u0007',
  'escape \u001b[31mred',
  'del\u007f',
  'c1\u0085next-line',
  'separator\u2028line',
  'bidi \u202egnp.exe',
  'Café déjà vu',
  'Grüße aus Köln',
  '日本語のタイトル',
  'emoji 🔥🔥',
  '   ',
  '',
  'x'.repeat(99),
  'x'.repeat(100),
  'y'.repeat(500),
  `${'word '.repeat(30)}end`,
];

describe('single-line and free-text fields', () => {
  it.each([
    ['line one\nline two'],
    ['carriage\rreturn'],
    ['tab\there'],
    ['nul\u0000byte'],
    ['separator\u2028line'],
    ['bidi \u202egnp.exe'],
  ])('a single line refuses %j', (value) => {
    expect(line(160).safeParse(value).success).toBe(false);
  });

  it('a single line keeps ordinary and non-Latin text', () => {
    for (const value of ['Printer on fire', 'Grüße aus Köln', '日本語のタイトル', 'emoji 🔥']) expect(line(160).parse(value)).toBe(value);
  });

  it('free text keeps line breaks and tabs but refuses other control characters', () => {
    expect(text(8000).parse('first\nsecond\r\n\tindented')).toBe('first\nsecond\r\n\tindented');
    for (const value of ['nul\u0000byte', 'escape \u001b[31m', 'del\u007f', 'bidi \u202e']) expect(text(8000).safeParse(value).success).toBe(false);
  });

  it("an incident's short description with a line break is refused, naming the field", () => {
    const result = createIncidentBodySchema.safeParse({ shortDescription: 'Mail down\nSubject: spoofed', description: 'd', impact: 2, urgency: 2, service: 'svc-mail' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain('shortDescription');
  });

  it("a change's title with a control character is refused, naming the field", () => {
    const result = createChangeBodySchema.safeParse({ title: 'Patch\u0007' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain('title');
  });
});

describe('SNS subjects', () => {
  it.each(NASTY.map((s) => [s]))('the subject built from %j is one SNS accepts', (subject) => {
    const safe = snsSubject(subject);
    expect(refusedSubject(safe)).toBeUndefined();
    expect(safe.length).toBeLessThan(100);
  });

  it('keeps what it can of the text', () => {
    expect(snsSubject('MAJOR INCIDENT INC0000042 [P1]: Mail down\nSubject: spoofed')).toBe('MAJOR INCIDENT INC0000042 [P1]: Mail down Subject: spoofed');
    expect(snsSubject('Café déjà vu')).toBe('Cafe deja vu');
    expect(snsSubject('x'.repeat(150))).toBe(`${'x'.repeat(96)}...`);
    expect(snsSubject('\n\n')).toBe('rowe-itsm notification');
  });

  it('the local SNS refuses what SNS refuses', () => {
    expect(refusedSubject('two\nlines')).toMatch(/line breaks/);
    expect(refusedSubject('x'.repeat(100))).toMatch(/less than 100/);
    expect(refusedSubject('Café')).toMatch(/ASCII/);
    expect(refusedSubject('fine')).toBeUndefined();
  });
});
