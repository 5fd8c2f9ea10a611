import { describe, expect, it } from 'vitest';
import type { ProtectedCall } from '../../src/breaker/protected-call.js';
import { caught, failCalls, makeBox } from './helpers.js';

describe('call() refuses a non-function up front (issue 7 item 5)', () => {
  it.each([undefined, null, 42, 'fetch', {}, Promise.resolve('x')])(
    'call(%s) rejects with a TypeError and is not counted',
    async (notAFunction) => {
      const { box, transitions } = await makeBox();
      const breaker = box.breaker('payments', {
        minimumCalls: 1,
        windowType: 'count',
        windowSize: 1,
      });
      const error = await caught(() => breaker.call(notAFunction as ProtectedCall<unknown>));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('payments');
      expect(breaker.state).toBe('closed');
      expect(transitions).toHaveLength(0);
      expect((await breaker.snapshot()).window.calls).toBe(0);
      await box.close();
    },
  );

  it('is refused while open too, and not served by the fallback', async () => {
    const { box } = await makeBox();
    const breaker = box.breaker('payments', {
      minimumCalls: 1,
      windowType: 'count',
      windowSize: 1,
      fallback: () => 'cached',
    });
    await failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    const error = await caught(() => breaker.call(undefined as unknown as ProtectedCall<string>));
    expect(error).toBeInstanceOf(TypeError);
    await box.close();
  });
});
