// Placeholder for helper W3's job notifications (issue 17): the real module remembers started
// restores and exports so the page finds them again and notifies when they end. No-op here.
export function rememberJob(_job: {
  customerId: string;
  kind: 'restore' | 'export';
  jobId: string;
  label: string;
}): void {}
