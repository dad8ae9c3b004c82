// Settings › Schedule (issue 19 item 2): the tenant's time zone and daily backup window as the
// console edits them — start and end hour on the tenant's clocks — with what they mean for the
// users backed up on schedule: how many, the earliest and the latest slot of the day.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { usersToBackUp } from '../customers/index.ts';
import { slotSpan, timeZoneSchema } from './backup-window.ts';
import { getBackupWindow, setBackupWindow } from './schedule.ts';

const hourOfDay = z.number().int().min(0).max(23);

export const scheduleSettingsBody = z.strictObject({
  timeZone: timeZoneSchema,
  startHour: hourOfDay.describe('First hour of the window on the tenant clocks, 0–23'),
  endHour: hourOfDay.describe('Hour the window ends, 0–23; before startHour: the next day; equal: 24 hours'),
});
export type ScheduleSettingsInput = z.infer<typeof scheduleSettingsBody>;

export const scheduleSettingsSchema = z.object({
  timeZone: z.string(),
  startHour: z.number().int(),
  endHour: z.number().int(),
  hours: z.number().int().describe('Length of the window in hours (1–24)'),
  users: z.object({
    scheduled: z.number().int().describe('Users whose daily backup is scheduled (licensed, in service)'),
    firstAt: z.string().nullable().describe('Earliest slot of the day, "HH:MM" on the tenant clocks'),
    lastAt: z.string().nullable().describe('Latest slot of the day, "HH:MM" on the tenant clocks'),
  }),
});
export type ScheduleSettings = z.infer<typeof scheduleSettingsSchema>;

/** The length of a window from its start and end hour (end before start: the next day; equal: all day). */
export function windowHours(startHour: number, endHour: number): number {
  return (endHour - startHour + 24) % 24 || 24;
}

/** The tenant's schedule with its users' span, or null for an unknown tenant. */
export async function getScheduleSettings(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
): Promise<ScheduleSettings | null> {
  const window = await getBackupWindow(ctx, customerId);
  if (!window) return null;
  const users = await usersToBackUp(ctx.db, customerId);
  const span = slotSpan(
    users.map((user) => user.googleId),
    window,
  );
  return {
    timeZone: window.timeZone,
    startHour: window.startHour,
    endHour: (window.startHour + window.hours) % 24,
    hours: window.hours,
    users: { scheduled: span.subjects, firstAt: span.first, lastAt: span.last },
  };
}

export async function setScheduleSettings(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  input: ScheduleSettingsInput,
): Promise<void> {
  await setBackupWindow(ctx, customerId, {
    timeZone: input.timeZone,
    startHour: input.startHour,
    hours: windowHours(input.startHour, input.endHour),
  });
}
