// A plain-text message cut into text and links, so a page can make its web addresses clickable
// (the vendor outbox: invitation, setup and reset links had to be copied by hand). Only http and
// https addresses become links; punctuation that ends a sentence stays outside the link.
export type TextSegment = { kind: 'text'; text: string } | { kind: 'link'; href: string };

const urlPattern = /https?:\/\/[^\s<>"]+/g;
const trailingPunctuation = /[.,;:!?)\]}'’]+$/;

export function linkSegments(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    const href = match[0].replace(trailingPunctuation, '');
    const start = match.index;
    if (start > last) segments.push({ kind: 'text', text: text.slice(last, start) });
    segments.push({ kind: 'link', href });
    last = start + href.length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
