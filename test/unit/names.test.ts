import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, validateName, validateReplicaId } from '../../src/util/names.js';
import { caught, expectInvalid, makeBox } from './helpers.js';

const INVALID_NAMES: readonly { label: string; name: unknown }[] = [
  { label: 'empty', name: '' },
  { label: '129 characters', name: 'a'.repeat(129) },
  { label: 'an opening brace', name: 'pay{ments' },
  { label: 'a closing brace', name: 'pay}ments' },
  { label: 'a hash tag', name: '{payments}' },
  { label: 'a colon', name: 'pay:ments' },
  { label: 'a space', name: 'pay ments' },
  { label: 'a tab', name: 'pay\tments' },
  { label: 'a newline', name: 'pay\nments' },
  { label: 'a trailing newline', name: 'payments\n' },
  { label: 'a carriage return', name: 'payments\r' },
  { label: 'a control character \\u0001', name: 'pay\u0001ments' },
  { label: 'DEL', name: 'pay\u007fments' },
  { label: 'NUL', name: 'pay\u0000ments' },
  { label: 'a non-ASCII letter', name: 'paymënts' },
  { label: 'an asterisk (glob)', name: 'pay*' },
  { label: 'a quote', name: 'pay"ments' },
  { label: 'a number', name: 42 },
  { label: 'null', name: null },
  { label: 'undefined', name: undefined },
  { label: 'an object', name: { name: 'payments' } },
  { label: 'a String object', name: new String('payments') },
];

describe('invalid breaker names (InvalidBreakerOptions, option "name")', () => {
  it.each(INVALID_NAMES)('refuses $label', async ({ name }) => {
    const { box } = await makeBox();
    const error = await caught(() => box.breaker(name as string));
    expectInvalid(error, 'name', name);
    expect(box.breakers()).toEqual([]);
    await box.close();
  });

  it('names the offending character in the message', async () => {
    const { box } = await makeBox();
    expect(((await caught(() => box.breaker('a{b'))) as Error).message).toContain('found "{"');
    expect(((await caught(() => box.breaker('a\u0001b'))) as Error).message).toContain(
      'found U+0001',
    );
    expect(((await caught(() => box.breaker('a b'))) as Error).message).toContain('found U+0020');
    await box.close();
  });
});

describe('valid breaker names', () => {
  it.each([
    'payments',
    'a',
    'a'.repeat(MAX_NAME_LENGTH),
    'Payments-API_v2.eu/west@1+x=y',
    '0123456789',
  ])('accepts %s', async (name) => {
    const { box } = await makeBox();
    expect(box.breaker(name).name).toBe(name);
    await box.close();
  });

  it('allows 128 characters at most', () => {
    expect(MAX_NAME_LENGTH).toBe(128);
    expect(validateName('x'.repeat(128))).toBe('x'.repeat(128));
  });

  it('names a different option when asked to (namespace)', async () => {
    expectInvalid(await caught(() => validateName('a:b', 'namespace')), 'namespace', 'a:b');
  });
});

describe('validateReplicaId', () => {
  it.each(['host:1234', 'orders-7f9c', 'a|b', 'a~b', '!', 'x'.repeat(128)])('accepts %s', (id) => {
    expect(validateReplicaId(id)).toBe(id);
  });

  it.each(['', 'a b', 'a{b', 'a}b', 'a\tb', 'a\u0001b', 'x'.repeat(129), 'ü', 7])(
    'refuses %j',
    async (id) => {
      expectInvalid(await caught(() => validateReplicaId(id)), 'replicaId', id);
    },
  );
});
