// How every console writes a customer's seats (issue 18: the partner's seat columns disagreed
// with the customer's). One function for the partner's list and customer detail, the License
// Manager and the dashboard: during a running trial "Trial — unlimited seats until <date>";
// after it "purchased / assigned / remaining", with licenses above the seats purchased shown as
// "N over". Beside it, what each figure of the consoles counts, in one sentence each.
import { count, date } from './format.ts';

export interface Seats {
  /** A running trial: every user of the domain may be licensed. */
  unlimited: boolean;
  trialEndsAt: string | null;
  /** The customer's status: a trial that ended without conversion is still 'trial'. */
  status: string;
  purchased: number;
  assigned: number;
}

export interface SeatText {
  /** The one line every console shows. */
  summary: string;
  purchased: string;
  assigned: string;
  remaining: string;
  /** Licenses assigned above the seats purchased (0 in a running trial or within the seats). */
  overAssigned: number;
}

export function seatText(seats: Seats): SeatText {
  const assigned = count(seats.assigned);
  if (seats.unlimited) {
    return {
      summary: `Trial — unlimited seats until ${date(seats.trialEndsAt)}`,
      purchased: 'Unlimited (trial)',
      assigned,
      remaining: 'Unlimited (trial)',
      overAssigned: 0,
    };
  }
  const left = seats.purchased - seats.assigned;
  const overAssigned = Math.max(0, -left);
  const remaining = overAssigned > 0 ? `${count(overAssigned)} over` : `${count(left)} remaining`;
  const figures = `${count(seats.purchased)} purchased / ${assigned} assigned / ${remaining}`;
  return {
    summary: seats.status === 'trial' ? `Trial ended ${date(seats.trialEndsAt)} — ${figures}` : figures,
    purchased: count(seats.purchased),
    assigned,
    remaining: overAssigned > 0 ? `${count(overAssigned)} over` : count(left),
    overAssigned,
  };
}

/** What each figure counts: shown under or beside it, the same words in every console. */
export const figureHelp = {
  seats:
    'Purchased: seats paid for. Assigned: users holding a Standard or Archived license (each takes a seat). Remaining: purchased minus assigned.',
  trialSeats: 'During the trial every user of the domain may be licensed.',
  coverage: 'Users with a Standard license whose every service has a successful backup, of all such users.',
  lastSuccess: 'When the most recent backup of any user or shared drive succeeded.',
  successRate: 'Backup runs that succeeded, of those that finished in the last 24 hours.',
  failures: 'Backup runs in the last 24 hours that failed or skipped items.',
  storage: 'Bytes stored for this customer after deduplication and compression.',
  size: "The backed-up data's original size, before deduplication and compression.",
  items: 'Item versions kept: messages, files, events and contacts.',
  users: 'Users in the Google directory, as of the last sync.',
} as const;
