import { describe, expect, test } from 'vitest';
import { parts, slot } from './parts';

describe('parts', () => {
	test('splits a sentence around its slots, in the order the language puts them', () => {
		expect(parts(`Hello, ${slot('name')}`)).toEqual([{ text: 'Hello, ' }, { slot: 'name' }]);
		expect(parts(`${slot('role')}，分组 ${slot('group')}`)).toEqual([{ slot: 'role' }, { text: '，分组 ' }, { slot: 'group' }]);
		expect(parts('no slot')).toEqual([{ text: 'no slot' }]);
	});
});
