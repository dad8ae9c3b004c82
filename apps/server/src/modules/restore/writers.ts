// The restore writers by service, registered in this one place: restore-run.ts looks the
// restore's service up here, and the writers import only their contract (service-writer.ts).

import { calendarWriter } from './calendar-restore.ts';
import { contactsWriter } from './contacts-restore.ts';
import { driveWriter } from './drive-restore.ts';
import { gmailWriter } from './gmail-restore.ts';
import type { Restore } from './restore-store.ts';
import type { ServiceWriter, WriterContext } from './service-writer.ts';

export const restoreWriters: Readonly<Record<Restore['service'], (context: WriterContext) => ServiceWriter>> = {
  gmail: gmailWriter,
  drive: driveWriter,
  calendar: calendarWriter,
  contacts: contactsWriter,
};
