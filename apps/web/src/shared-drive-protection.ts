// The Shared drives page's optimistic updates: the page as it will be once the server accepts a
// change (a drive protected or not, "protect all new shared drives" on or off), shown at once and
// replaced by the snapshot taken before it if the server refuses.

export interface ProtectableDrive {
  driveId: string;
  protected: boolean;
}

export interface ProtectablePage<D extends ProtectableDrive> {
  drives: D[];
  protectNew: boolean;
}

export function withDriveProtection<D extends ProtectableDrive, P extends ProtectablePage<D>>(
  page: P,
  driveId: string,
  isProtected: boolean,
): P {
  return {
    ...page,
    drives: page.drives.map((drive) => (drive.driveId === driveId ? { ...drive, protected: isProtected } : drive)),
  };
}

export function withProtectNew<P extends ProtectablePage<ProtectableDrive>>(page: P, protectNew: boolean): P {
  return { ...page, protectNew };
}
