const { readFileSync } = require('node:fs');
const { relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/** Each file's duration in a recent run (record-test-durations.js), for runs where jest has none. */
let recorded;
const recordedDurations = () => {
  try {
    recorded ??= JSON.parse(readFileSync(`${__dirname}/test-durations.json`, 'utf8'));
  } catch {
    recorded = {};
  }
  return recorded;
};

/**
 * Jest's order (failed first, then longest by the last run's durations, or largest when there
 * are none), except that the type check (test/typecheck: one single-threaded tsc, best overlapped
 * with everything else) comes first, then cfn-lint (one single-threaded Python process over every
 * template, about 50 s: small, so a fresh clone, which has no durations, ran it last, alone), and files starting a local runtime of their own
 * (startRuntimeProcess: a JVM, a synth, bundling, real-time waits) come early, one in every two,
 * so on 2 workers the longest files never start last and leave one worker idle at the end. Reads
 * each file's text once.
 */
class SlowFirstSequencer extends Sequencer {
  /**
   * Jest's timing of the file's last run here or, where it has none (a fresh clone: its timing
   * cache is keyed by the checkout's path), the recorded one: without it, jest orders a fresh clone
   * by file size, and short files full of slow tests start last.
   */
  time(test) {
    return super.time(test) ?? recordedDurations()[relative(test.context.config.rootDir, test.path)];
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const ownRuntime = (test) => {
      try {
        return /startRuntimeProcess\(/.test(readFileSync(test.path, 'utf8'));
      } catch {
        return false;
      }
    };
    const typecheck = sorted.filter((test) => /[\\/]test[\\/]typecheck[\\/]/.test(test.path));
    const linter = sorted.filter((test) => /[\\/]cfn-lint\.test\.ts$/.test(test.path));
    const first = [...typecheck, ...linter];
    const own = sorted.filter((test) => !first.includes(test) && ownRuntime(test));
    const others = sorted.filter((test) => !first.includes(test) && !own.includes(test));
    // Alternated with the others: runtimes boot one at a time (the boot lock), so two of these
    // side by side would leave a worker waiting for the other's boot.
    const order = [...first];
    while (own.length > 0 || others.length > 0) {
      if (own.length > 0) order.push(own.shift());
      if (others.length > 0) order.push(others.shift());
    }
    return order;
  }
}

module.exports = SlowFirstSequencer;
