import { describe, expect, it } from 'vitest';
import { parseInteger } from '../../../db/parsers/nft-common';

describe('parseInteger', () => {
  const cases: [text: string, expected: number | null][] = [
    ['0', 0],
    ['80', 80],
    ['007', 7],
    ['-5', -5],
    ['2147483647', 2147483647],
    ['9007199254740993', Number('9007199254740993')],
    ['123456789012345678901234567890', Number('123456789012345678901234567890')],
    ['0x4000', 0x4000],
    ['0X00004000', 0x4000],
    ['0xffffffff', 0xffffffff],
    ['', null],
    ['-', null],
    ['0x', null],
    ['+1', null],
    ['1e3', null],
    ['1.5', null],
    [' 1', null],
    ['12a', null],
    ['--1', null],
    ['-0x1', null],
  ];

  it.each(cases)('%j', (text, expected) => {
    expect(parseInteger(text)).toBe(expected);
  });
});
