// How the consoles name and colour a user's license (License Manager, Users page).
export type License = 'standard' | 'archived' | 'none';

export const licenseLabel: Record<License, string> = { standard: 'Standard', archived: 'Archived', none: 'No license' };
export const licenseColor: Record<License, string> = { standard: 'green', archived: 'gray', none: 'red' };
