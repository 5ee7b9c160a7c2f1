import { numberPaths, splitNumbers } from './number-skeleton';

describe('number skeletons', () => {
  it('replaces number tokens outside strings only, and lists them in order', () => {
    const tokens: string[] = [];
    const text = '{"a1": -1.5e+3, "s": "x 12 \\" 34", "arr": [0, true, null, 7], "e": false}';
    expect(splitNumbers(text, tokens)).toBe('{"a1": #, "s": "x 12 \\" 34", "arr": [#, true, null, #], "e": false}');
    expect(tokens).toEqual(['-1.5e+3', '0', '7']);
    expect(splitNumbers('{"x": "no numbers"}', [])).toBe('{"x": "no numbers"}');
    expect(splitNumbers('{"x": "unterminated', [])).toBeNull();
  });

  it('gives each number token its key path, arrays by position, keys unescaped', () => {
    const text = '{"seq": 4, "listeners": {"l\\u0031": {"status": "OPEN", "stats": {"rx": 1, "tx": 2}}}, "a": [5, {"b": 6}, [7]], "ver": 3}';
    const tokens: string[] = [];
    splitNumbers(text, tokens);
    const paths = numberPaths(text)!;
    expect(paths).toEqual([['seq'], ['listeners', 'l1', 'stats', 'rx'], ['listeners', 'l1', 'stats', 'tx'], ['a', 0], ['a', 1, 'b'], ['a', 2, 0], ['ver']]);
    expect(paths.length).toBe(tokens.length);
    expect(numberPaths('{"a": [1, 2}')).toBeNull();
    expect(numberPaths('{"a": 1}}')).toBeNull();
  });
});
