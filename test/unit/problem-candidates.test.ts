import { jaccard, likelyDuplicates, significantWords, trendGroups, type TrendIncident } from '../../src/modules/problems/domain/problem-candidates';

let n = 0;
const incident = (shortDescription: string, overrides: Partial<TrendIncident> = {}): TrendIncident => {
  n++;
  return { id: `id-${n}`, number: `INC${String(n).padStart(7, '0')}`, shortDescription, service: 'email', category: 'software', createdAt: '2026-11-01T09:00:00.000Z', ...overrides };
};

describe('trendGroups', () => {
  test('a service, category or alarm with at least threshold incidents is a candidate; below it is not; most incidents first', () => {
    const alarm = 'arn:aws:cloudwatch:eu-west-2:111111111111:alarm:api-5xx';
    const incidents = [
      incident('a', { service: 'vpn', category: 'network', alarmArn: alarm }),
      incident('b', { service: 'vpn', category: 'network', alarmArn: alarm }),
      incident('c', { service: 'vpn', category: 'network', alarmArn: alarm }),
      incident('d', { service: 'vpn', category: 'hardware' }),
      incident('e', { service: 'erp', category: 'hardware' }),
      incident('f', { service: 'erp', category: 'software' }),
    ];
    const found = trendGroups(incidents, 3);
    expect(found.map((c) => [c.dimension, c.value, c.count])).toEqual([
      ['service', 'vpn', 4],
      ['category', 'network', 3],
      ['alarm', alarm, 3],
    ]);
    expect(found[0]!.incidents.map((i) => i.number)).toEqual(incidents.slice(0, 4).map((i) => i.number));
    expect(trendGroups(incidents, 5)).toEqual([]);
    expect(trendGroups([], 2)).toEqual([]);
  });
});

describe('jaccard and significant words', () => {
  test('shared over all distinct significant words; stop words and plurals do not count', () => {
    expect([...significantWords('The printers on floor 3 are jammed')]).toEqual(['printer', 'floor', 'jammed']);
    expect(jaccard(significantWords('Printer jammed on floor three'), significantWords('printers jammed, floor three'))).toBe(1);
    expect(jaccard(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBe(0.5);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });
});

describe('likelyDuplicates', () => {
  test('flags pairs at or above 0.6, not below; most similar first', () => {
    const a = incident('Outlook cannot connect to mailbox server');
    const b = incident('outlook cannot connect mailbox server today');
    const c = incident('Mailbox server slow for outlook users');
    const d = incident('VPN drops after sleep');
    const pairs = likelyDuplicates([a, b, c, d]);
    // a: outlook connect mailbox server; b: + today → 4/5 = 0.8. a–c: mailbox server outlook / 6 words → 0.5.
    expect(pairs).toEqual([{ incidents: [{ id: a.id, number: a.number }, { id: b.id, number: b.number }], similarity: 0.8 }]);
    expect(likelyDuplicates([a, c], 0.5).map((p) => p.similarity)).toEqual([0.5]);
    expect(likelyDuplicates([incident('the a of'), incident('the a of')])).toEqual([]);
  });

  test('prefix filtering finds exactly the pairs a comparison of every pair finds', () => {
    const vocabulary = ['mail', 'vpn', 'printer', 'server', 'slow', 'down', 'login', 'error', 'timeout', 'disk', 'full', 'queue', 'stuck', 'reset', 'password'];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const incidents = Array.from({ length: 300 }, () =>
      incident(Array.from({ length: 2 + Math.floor(random() * 4) }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ')),
    );
    const brute: string[] = [];
    for (let i = 0; i < incidents.length; i++) {
      for (let j = i + 1; j < incidents.length; j++) {
        if (jaccard(significantWords(incidents[i]!.shortDescription), significantWords(incidents[j]!.shortDescription)) >= 0.6) brute.push(`${incidents[i]!.id}|${incidents[j]!.id}`);
      }
    }
    const found = likelyDuplicates(incidents).map((p) => `${p.incidents[0].id}|${p.incidents[1].id}`);
    expect(brute.length).toBeGreaterThan(50);
    expect(found.sort()).toEqual(brute.sort());
  });
});
