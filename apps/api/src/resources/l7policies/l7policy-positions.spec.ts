import { placeInOrder } from './l7policy-positions';

describe('placeInOrder (L7 policy positions, spec 9.6.3)', () => {
  it('appends without a position or past the end', () => {
    expect(placeInOrder([], 'a', undefined)).toEqual(['a']);
    expect(placeInOrder([], 'a', 5)).toEqual(['a']);
    expect(placeInOrder(['a', 'b'], 'c', null)).toEqual(['a', 'b', 'c']);
    expect(placeInOrder(['a', 'b'], 'c', 3)).toEqual(['a', 'b', 'c']);
    expect(placeInOrder(['a', 'b'], 'c', 2147483647)).toEqual(['a', 'b', 'c']);
  });

  it('inserts at an occupied position and pushes the rest down', () => {
    expect(placeInOrder(['a'], 'b', 1)).toEqual(['b', 'a']);
    expect(placeInOrder(['a', 'b', 'c'], 'd', 2)).toEqual(['a', 'd', 'b', 'c']);
  });

  it('moves an existing policy (re-insert at the new index)', () => {
    expect(placeInOrder(['a', 'b', 'c'], 'a', 3)).toEqual(['b', 'c', 'a']);
    expect(placeInOrder(['a', 'b', 'c'], 'c', 1)).toEqual(['c', 'a', 'b']);
    expect(placeInOrder(['a', 'b', 'c'], 'b', 9)).toEqual(['a', 'c', 'b']);
  });
});
