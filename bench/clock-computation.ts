/**
 * The pure clock computations on the request path, timed here rather than in unit tests (which
 * check only their answers): a year of business hours each way, a year of SLA history with 200
 * pauses replayed, and a weekly rota a century ahead. Each run gets a calendar never seen before
 * (one more, irrelevant holiday), so nothing memoised helps; the figures are milliseconds per call.
 */
import { addBusinessMillis, businessMillisBetween, standardBusinessHours } from '../src/kernel/domain/business-calendar';
import { computeSlaClock, type SlaClockEvent } from '../src/modules/incidents/domain/sla-clock';
import { onCallAt, shifts } from '../src/modules/oncall/domain';

const HOUR = 3_600_000;
const HOLIDAYS = ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'];

export interface ClockFigures { readonly p50: number; readonly max: number; readonly runs: number }

/** Each measurement draws its fresh holidays from a year of its own: no calendar is compiled twice in a run. */
let nextYear = 1900;

function timed(runs: number, run: (fresh: string) => unknown): ClockFigures {
  const year = nextYear++;
  run(`${year}-12-31`); // warm-up (JIT)
  const took: number[] = [];
  for (let i = 0; i < runs; i++) {
    const fresh = new Date(Date.UTC(year, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const started = performance.now();
    run(fresh);
    took.push(performance.now() - started);
  }
  took.sort((a, b) => a - b);
  return { p50: took[Math.floor(runs / 2)]!, max: took[runs - 1]!, runs };
}

export function measureClockComputation(runs = 21): Record<string, ClockFigures> {
  const calendar = (fresh: string) => standardBusinessHours('Europe/London', [...HOLIDAYS, fresh]);
  const start = Date.UTC(2025, 0, 1);
  const end = Date.UTC(2025, 11, 31, 12);
  const history: SlaClockEvent[] = Array.from({ length: 200 }, (_, i) => ({ at: new Date(start + (i + 1) * 43 * HOUR), kind: i % 2 === 0 ? 'pause' : 'resume' }));
  history.push({ at: new Date(end), kind: 'achieved' });
  const rota = { name: 'Desk', timeZone: 'Europe/London', overrides: [], layers: [{ name: 'weekly', start: '2026-03-23T09:00:00Z', turn: 'P7D', participants: ['ana', 'ben', 'cy'] }] };
  return {
    'businessMillisBetween, a year (London, holidays)': timed(runs, (fresh) => businessMillisBetween(calendar(fresh), new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'))),
    'addBusinessMillis, a year of business hours': timed(runs, (fresh) => addBusinessMillis(calendar(fresh), new Date('2025-01-01T00:00:00Z'), 253 * 8.5 * HOUR)),
    'computeSlaClock, a year with 200 pauses': timed(runs, (fresh) =>
      computeSlaClock({ target: 'resolve', durationMs: 3000 * HOUR, calendar: calendar(fresh), startedAt: new Date(start), events: history }, new Date(end + 86_400_000)),
    ),
    'on call and shifts, a weekly rota a century ahead': timed(runs, (fresh) => {
      const layers = [{ ...rota.layers[0]!, name: `weekly-${fresh}` }];
      onCallAt({ ...rota, layers }, new Date('2126-06-17T08:00:00Z'));
      return shifts({ ...rota, layers }, new Date('2126-06-17T00:00:00Z'), new Date('2126-06-24T12:00:00Z'));
    }),
  };
}

export function printClockComputation(figures: Record<string, ClockFigures>): void {
  for (const [name, f] of Object.entries(figures)) console.log(`  ${name.padEnd(52)} p50 ${f.p50.toFixed(2)} ms   max ${f.max.toFixed(2)} ms   (${f.runs} runs)`);
}
