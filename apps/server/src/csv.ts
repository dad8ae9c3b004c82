// The one CSV writer for every CSV the product writes (audit log, reseller customers list,
// export manifest): RFC 4180 — fields joined by commas, records ended by CRLF, a field with a
// comma, quote, CR or LF quoted with its quotes doubled — and spreadsheet-safe: a field that
// starts with = + - @ TAB or CR gets a leading `'`, so a spreadsheet opening the file shows
// the text instead of running it as a formula (a user-controlled name like `=HYPERLINK(...)`).

export type CsvValue = string | number | null | undefined;

const formulaStart = /^[=+\-@\t\r]/;
const needsQuotes = /[",\r\n]/;

/** One field: empty for null/undefined, a neutralised formula, quoted when it must be. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF included. */
export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A whole file: the header record, then one record per row. */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map(csvRecord).join('');
}
