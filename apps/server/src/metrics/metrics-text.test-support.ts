// Reads the Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/)
// back into samples, so tests assert on values and labels rather than on substrings.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(labelPair)) {
      labels[name as string] = (value as string).replace(/\\(.)/g, (_all, char: string) =>
        char === 'n' ? '\n' : char,
      );
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

export function samplesOf(samples: readonly Sample[], name: string): Sample[] {
  return samples.filter((sample) => sample.name === name);
}

/** The value of the sample with this name and (at least) these labels; 0 when there is none. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string>): number {
  const found = samplesOf(samples, name).find((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value ?? 0;
}
