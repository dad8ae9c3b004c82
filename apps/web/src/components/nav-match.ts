// Which navigation link is the current page's: the longest one that is the path or a parent of
// it, so "Users" stays marked on a user's page (/customer/users/ann@…) and "Dashboard"
// (/customer) only on its own.
export function activeNavTarget(targets: readonly string[], pathname: string): string | undefined {
  return targets
    .filter((target) => pathname === target || pathname.startsWith(`${target}/`))
    .reduce<string | undefined>((best, target) => (!best || target.length > best.length ? target : best), undefined);
}
