/**
 * Tolerance matcher for typed arrays: every |actual − expected| ≤ atol + rtol·|expected|. On failure it names the
 * first failing index (and its [row, column] for a row width), the values there and at its neighbours, and the
 * number of failures, then fails the test.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: { atol: number; rtol?: number; rowWidth?: number },
): void {
  const { atol, rtol = 0, rowWidth } = options;
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ expected ${expected.length}`);
  let first = -1;
  let failures = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      failures++;
      if (first < 0) first = i;
    }
  }
  if (first >= 0) {
    const where = rowWidth ? ` [${Math.floor(first / rowWidth)}, ${first % rowWidth}]` : '';
    const around: string[] = [];
    for (let i = Math.max(0, first - 2); i <= Math.min(actual.length - 1, first + 2); i++) {
      around.push(`  ${i}: actual ${actual[i]} expected ${expected[i]}`);
    }
    throw new Error(
      `${failures} of ${actual.length} values differ by more than ${atol} + ${rtol}·|expected|; first at index ` +
        `${first}${where}:\n${around.join('\n')}`,
    );
  }
}
