// Shared settings of the fast-check property tests ("hostile input, fuzzed", issue 16): a run
// count small enough that every fuzz file takes seconds in CI, and more on demand
// (SAFEHOLD_FUZZ_RUNS=100000 npm test -- '**/*.fuzz.test.ts'). A failure prints its seed and
// the shrunk counterexample; keep that case as a plain example test next to the fix.
import fc from 'fast-check';

/** Cases per property: SAFEHOLD_FUZZ_RUNS, or 300. */
export const fuzzRuns = Number(process.env.SAFEHOLD_FUZZ_RUNS ?? 300);

/** fc.assert with the shared run count. */
export function fuzz<T>(
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  runs = fuzzRuns,
): ReturnType<typeof fc.assert> {
  return fc.assert(property as fc.IProperty<T>, { numRuns: runs });
}

/** Strings a hostile user would try: path tricks, control and bidi characters, reserved names, long runs. */
export const hostileName: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom(
    '..',
    '.',
    '../../etc/passwd',
    '..\\..\\windows\\system32',
    '/absolute',
    'C:\\evil',
    'a\u0000b',
    'invoice\u202Efdp.exe',
    '\u2066hidden\u2069',
    'zero\u200Bwidth',
    'CON',
    'con.txt',
    'LPT1',
    'nul.tar.gz',
    'trailing. ',
    '   ',
    '\uD800',
    'x\uDFFFy',
  ),
  fc
    .array(fc.constantFrom('../', '..', '/', '\\', '.', ' ', '\u202E', '\u0000', 'é', '😀', 'a', 'CON'), {
      maxLength: 30,
    })
    .map((parts) => parts.join('')),
  fc.nat({ max: 4000 }).chain((n) => fc.constantFrom('a', 'é', '😀', '.').map((c) => c.repeat(n))),
);
