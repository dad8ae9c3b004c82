// The accessible names of a pager's buttons (issue 17: icon-only buttons had none, so a screen
// reader said "button" and tests could not find them): "Previous page", "Next page", "Page N".
export type PagerControl = 'first' | 'previous' | 'next' | 'last';

const controlNames: Record<PagerControl, string> = {
  first: 'First page',
  previous: 'Previous page',
  next: 'Next page',
  last: 'Last page',
};

export function pagerControlName(control: PagerControl): string {
  return controlNames[control];
}

export function pagerPageName(page: number): string {
  return `Page ${page}`;
}
