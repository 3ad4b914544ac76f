import { adapterKey, adapterOverride, overrideAdapter } from '../../src/kernel/runtime/adapter-overrides';
import { createAlarmTagSource } from '../../src/modules/monitoring/functions/alarm-tag-source-factory';
import { ALARM_TAG_SOURCE } from '../../src/modules/monitoring/functions/adapter-keys';
import { CAPACITY_SOURCE } from '../../src/modules/reports/functions/adapter-keys';
import { LOCAL_STAND_IN_ENV, registerLocalStandIns } from '../../local/stand-ins/register-stand-ins';
import { FileAlarmTagSource } from '../../local/stand-ins/file-alarm-tag-source';
import { FileCapacitySource } from '../../local/stand-ins/file-capacity-source';

const key = adapterKey<{ hello(): string }>('test/hello');

test('an override is found until it is undone, and only one at a time', () => {
  expect(adapterOverride(key)).toBeUndefined();
  const adapter = { hello: () => 'local' };
  const undo = overrideAdapter(key, adapter);
  expect(adapterOverride(key)).toBe(adapter);
  expect(() => overrideAdapter(key, { hello: () => 'again' })).toThrow('test/hello');
  undo();
  expect(adapterOverride(key)).toBeUndefined();
});

test('the registry is shared through globalThis, so separately bundled copies see one another', () => {
  const undo = overrideAdapter(key, { hello: () => 'shared' });
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require('../../src/kernel/runtime/adapter-overrides') as typeof import('../../src/kernel/runtime/adapter-overrides');
      expect(copy.adapterOverride(key)?.hello()).toBe('shared');
    });
  } finally {
    undo();
  }
});

test('the local runtime registers a stand-in for each file its environment names, and the factories use it', () => {
  const undo = registerLocalStandIns({ [LOCAL_STAND_IN_ENV.alarmTagsFile]: '/tmp/tags.json', [LOCAL_STAND_IN_ENV.capacityMetricsFile]: '/tmp/metrics.json' });
  try {
    expect(adapterOverride(ALARM_TAG_SOURCE)).toBeInstanceOf(FileAlarmTagSource);
    expect(adapterOverride(CAPACITY_SOURCE)).toBeInstanceOf(FileCapacitySource);
    expect(createAlarmTagSource({} as never)).toBe(adapterOverride(ALARM_TAG_SOURCE));
  } finally {
    undo();
  }
  expect(adapterOverride(ALARM_TAG_SOURCE)).toBeUndefined();
  expect(registerLocalStandIns({})).toBeInstanceOf(Function);
  expect(adapterOverride(CAPACITY_SOURCE)).toBeUndefined();
});
