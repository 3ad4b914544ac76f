import { CachedServiceCatalogue, SERVICE_CACHE_TTL_MS } from '../../src/modules/catalogue/adapters';
import type { Service } from '../../src/modules/catalogue/domain/service-catalogue';

/** The incidents function's service look-up, kept per container for a short time. */
describe('CachedServiceCatalogue', () => {
  const live = { id: 'vpn', status: 'live' } as Service;
  const retired = { id: 'vpn', status: 'retired' } as Service;

  const setUp = () => {
    let now = 1_000_000;
    let stored: Service | undefined = live;
    const getService = jest.fn(async (_id: string) => stored);
    const cache = new CachedServiceCatalogue({ getService }, () => now);
    return { cache, getService, advance: (ms: number) => (now += ms), store: (s: Service | undefined) => (stored = s) };
  };

  test('reads the catalogue once per service within the time to live; concurrent look-ups share one read', async () => {
    const { cache, getService } = setUp();
    await Promise.all([cache.getService('vpn'), cache.getService('vpn')]);
    expect(await cache.getService('vpn')).toBe(live);
    expect(getService).toHaveBeenCalledTimes(1);
    await cache.getService('email');
    expect(getService).toHaveBeenCalledTimes(2);
  });

  test(`a service retired meanwhile is seen as retired once ${SERVICE_CACHE_TTL_MS / 1000} s have passed, not before`, async () => {
    const { cache, advance, store } = setUp();
    expect(await cache.getService('vpn')).toBe(live);
    store(retired);
    advance(SERVICE_CACHE_TTL_MS - 1);
    expect(await cache.getService('vpn')).toBe(live);
    advance(1);
    expect(await cache.getService('vpn')).toBe(retired);
  });

  test('an unknown service is kept too; a failed look-up is not', async () => {
    const { cache, getService, store } = setUp();
    store(undefined);
    expect(await cache.getService('nope')).toBeUndefined();
    expect(await cache.getService('nope')).toBeUndefined();
    expect(getService).toHaveBeenCalledTimes(1);
    getService.mockRejectedValueOnce(new Error('throttled'));
    await expect(cache.getService('flaky')).rejects.toThrow('throttled');
    store(live);
    expect(await cache.getService('flaky')).toBe(live);
  });
});
