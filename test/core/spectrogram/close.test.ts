import { expectAllClose } from './close';

describe('expectAllClose', () => {
  it('passes within tolerance', () => {
    expectAllClose([1, 2, 3], [1.05, 2, 3], { atol: 0.1 });
  });

  it('names the first failing index, its [row, column], its neighbours and the failure count', () => {
    expect(() => expectAllClose([0, 0, 0, 5, 0, 7], [0, 0, 0, 0, 0, 0], { atol: 0.5, rowWidth: 2 })).toThrow(
      /2 of 6 values differ by more than 0\.5.*first at index 3 \[1, 1\]:\n {2}1: actual 0 expected 0\n(.|\n)*3: actual 5 expected 0/,
    );
  });

  it('fails on NaN and on a length mismatch', () => {
    expect(() => expectAllClose([NaN], [0], { atol: 1 })).toThrow(/index 0/);
    expect(() => expectAllClose([1, 2], [1], { atol: 1 })).toThrow(/length 2/);
  });
});
