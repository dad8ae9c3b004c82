// The command line every benchmark shares: its own options, plus `--quick` (small sizes, so it
// ends within a minute or two) and `--json` (its figures and ratios as one JSON object on the
// last line of stdout, `{"name":"<bench>", ...}`, so runs can be compared across commits and
// `npm run bench -- all` can collect them). Human output is printed as before either way.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

const sharedOptions = {
  json: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
} as const;

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O & typeof sharedOptions; strict: true }>
>['values'];

/** What `--quick` sets each of a benchmark's options to, where the command line gives no value. */
export type QuickValues<O extends ParseArgsOptionsConfig> = { [K in keyof O]?: string };

export interface BenchCommandLine<O extends ParseArgsOptionsConfig> {
  values: Values<O>;
  quick: boolean;
  json: boolean;
  /** With `--json`: writes `{"name": <bench>, ...figures}` as one line (call it last). */
  report(figures: Record<string, unknown>): void;
}

export interface CommandLineSettings {
  /** The arguments (default: this process's). */
  args?: string[];
  /** Where the JSON line goes (default: stdout). */
  write?: (text: string) => void;
  /** Printed after the error when the arguments do not parse. */
  usage?: string;
}

/**
 * Parses a benchmark's arguments with `--json` and `--quick` added. Under `--quick`, every
 * option named in `quick` takes that value unless the command line gives one; an unknown or
 * malformed option ends the process with exit code 2 and the parser's message.
 */
export function benchCommandLine<const O extends ParseArgsOptionsConfig>(
  name: string,
  options: O,
  quick: QuickValues<O> = {},
  settings: CommandLineSettings = {},
): BenchCommandLine<O> {
  const args = settings.args ?? process.argv.slice(2);
  const write = settings.write ?? ((text: string) => process.stdout.write(text));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { ...options, ...sharedOptions }, strict: true, tokens: true });
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n${settings.usage ?? ''}`);
    process.exit(2);
  }
  const values = parsed.values as Record<string, unknown>;
  const given = new Set(parsed.tokens?.flatMap((token) => (token.kind === 'option' ? [token.name] : [])));
  if (values.quick) {
    for (const [option, value] of Object.entries(quick)) if (!given.has(option)) values[option] = value;
  }
  const json = values.json === true;
  return {
    values: values as Values<O>,
    quick: values.quick === true,
    json,
    report(figures) {
      if (json) write(`${JSON.stringify({ name, ...figures })}\n`);
    },
  };
}

/** `value` rounded to `digits` decimals, as a number (for the JSON line). */
export const rounded = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** The JSON object on the last non-empty line of `output`, if it names `name`. */
export function lastJsonLine(output: string, name: string): Record<string, unknown> | null {
  const last = output.trimEnd().split('\n').at(-1) ?? '';
  try {
    const parsed = JSON.parse(last) as unknown;
    if (parsed && typeof parsed === 'object' && (parsed as { name?: unknown }).name === name)
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON: the benchmark did not finish its report
  }
  return null;
}
