import { validateAnalysis, type AnalysisContent } from '../../src/modules/problems/domain/problem';
import { analysisBodySchema } from '../../src/modules/problems/schemas/problem-schemas';

/** Each structured method is validated data: the schema checks the shape, the domain the method's rules. */
const fiveWhys = {
  method: 'five-whys',
  steps: [
    { why: 'Why did mail stall?', because: 'The queue worker stopped' },
    { why: 'Why did the worker stop?', because: 'It ran out of file handles' },
    { why: 'Why did it run out?', because: 'Connections to the relay were never closed' },
  ],
  rootCause: 'The relay client leaks connections on TLS renegotiation',
};
const ishikawa = {
  method: 'ishikawa',
  effect: 'Mail stalls every Monday',
  causes: [
    { category: 'technology', cause: 'Connection leak', evidence: 'lsof shows 65k sockets to the relay' },
    { category: 'process', cause: 'No handle-count monitoring', evidence: 'No alarm exists' },
  ],
};
const kepnerTregoe = {
  method: 'kepner-tregoe',
  specification: {
    what: { is: 'Outbound mail', isNot: 'Inbound mail' },
    where: { is: 'Relay eu-west-2a', isNot: 'Relay eu-west-2b' },
    when: { is: 'Mondays after 09:00', isNot: 'Weekends' },
    extent: { is: 'All outbound', isNot: 'Internal only' },
  },
  distinctions: ['2a runs relay client 4.2'],
  changes: ['Relay client upgraded to 4.2 on 2026-11-01'],
  possibleCauses: ['Relay client 4.2 leaks connections', 'Firewall idle timeout'],
  mostProbableCause: { cause: 'Relay client 4.2 leaks connections', howTested: 'Downgraded 2a to 4.1: no stall for two Mondays' },
};

const parse = (body: unknown) => analysisBodySchema.safeParse(body);
const paths = (body: unknown) => {
  const result = parse(body);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

test.each([['5 Whys', fiveWhys], ['Ishikawa', ishikawa], ['Kepner-Tregoe', kepnerTregoe]])('a complete %s analysis is valid', (_name, body) => {
  const result = parse(body);
  expect(result.success).toBe(true);
  expect(() => validateAnalysis(result.data as AnalysisContent)).not.toThrow();
});

describe('5 Whys', () => {
  test('needs at least two steps, each with why and because, and a root cause', () => {
    expect(paths({ ...fiveWhys, steps: [fiveWhys.steps[0]] })).toContain('steps');
    expect(paths({ ...fiveWhys, steps: [{ why: 'x' }, ...fiveWhys.steps] })).toContain('steps.0.because');
    const { rootCause: _dropped, ...noRoot } = fiveWhys;
    expect(paths(noRoot)).toContain('rootCause');
    expect(paths({ ...fiveWhys, rootCause: '  ' })).toContain('rootCause');
  });
  test('a question repeated is not a chain', () => {
    const steps = [fiveWhys.steps[0]!, { ...fiveWhys.steps[0]!, because: 'again' }];
    expect(() => validateAnalysis({ ...fiveWhys, steps } as AnalysisContent)).toThrow(/steps.1.why/);
  });
});

describe('Ishikawa', () => {
  test('causes sit under the fixed categories, each with its evidence', () => {
    expect(paths({ ...ishikawa, causes: [{ category: 'luck', cause: 'x', evidence: 'y' }] })).toContain('causes.0.category');
    expect(paths({ ...ishikawa, causes: [{ category: 'people', cause: 'x' }] })).toContain('causes.0.evidence');
    expect(paths({ ...ishikawa, causes: [] })).toContain('causes');
  });
  test('a cause listed twice under one category is refused', () => {
    const causes = [ishikawa.causes[0]!, { ...ishikawa.causes[0]!, evidence: 'other' }];
    expect(() => validateAnalysis({ ...ishikawa, causes } as AnalysisContent)).toThrow(/causes.1.cause/);
  });
});

describe('Kepner-Tregoe', () => {
  test('IS and IS NOT for what, where, when and extent', () => {
    const { extent: _dropped, ...three } = kepnerTregoe.specification;
    expect(paths({ ...kepnerTregoe, specification: three })).toContain('specification.extent');
    expect(paths({ ...kepnerTregoe, specification: { ...kepnerTregoe.specification, what: { is: 'x' } } })).toContain('specification.what.isNot');
  });
  test('the most probable cause is one of the possible causes, with how it was tested', () => {
    expect(paths({ ...kepnerTregoe, mostProbableCause: { cause: 'x' } })).toContain('mostProbableCause.howTested');
    expect(() => validateAnalysis({ ...kepnerTregoe, mostProbableCause: { cause: 'Cosmic rays', howTested: 'x' } } as AnalysisContent)).toThrow(/mostProbableCause.cause/);
  });
});

test('unknown methods and unknown fields are refused', () => {
  expect(parse({ method: 'guesswork' }).success).toBe(false);
  expect(paths({ ...fiveWhys, notes: 'x' })).toEqual(['']);
});
