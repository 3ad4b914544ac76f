/** Captures what a call throws, so several properties can be checked; fails when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** What the call throws, which must be an instance of `type`. */
export function thrownAs<E>(fn: () => unknown, type: abstract new (...args: any[]) => E): E {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(type);
  return error as E;
}
