import { lazily } from '../../src/kernel/runtime/lazy-factory';
import { createSnsNotifier } from '../../src/platform/notifier-factory';

test('creates the value on first use and keeps it', async () => {
  const create = jest.fn(async () => ({ created: Date.now() }));
  const get = lazily(create);
  expect(create).not.toHaveBeenCalled();
  const [a, b] = await Promise.all([get(), get()]);
  expect(await get()).toBe(a);
  expect(b).toBe(a);
  expect(create).toHaveBeenCalledTimes(1);
});

test('a failed creation is not kept: the next use tries again', async () => {
  let attempts = 0;
  const get = lazily(async () => {
    attempts++;
    if (attempts === 1) throw new Error('module not loaded');
    return 'client';
  });
  await expect(get()).rejects.toThrow('module not loaded');
  await expect(get()).resolves.toBe('client');
  expect(attempts).toBe(2);
});

test('an SNS notifier created on first use refuses a topic the stack gave it no ARN for, as before', async () => {
  const notifier = createSnsNotifier({ 'major-incident': undefined, escalation: undefined, security: undefined });
  await expect(
    notifier.notify({ topic: 'escalation', subject: 's', message: 'm', recipients: [], attributes: {} } as unknown as Parameters<typeof notifier.notify>[0]),
  ).rejects.toThrow('No SNS topic configured for escalation notifications');
});
