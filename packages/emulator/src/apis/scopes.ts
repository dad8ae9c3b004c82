// Which OAuth scopes allow which calls (any one of the listed scopes suffices).
const G = 'https://www.googleapis.com/auth/';
const MAIL = 'https://mail.google.com/';

export const SCOPES = {
  gmailRead: [MAIL, `${G}gmail.modify`, `${G}gmail.readonly`, `${G}gmail.metadata`],
  gmailReadRaw: [MAIL, `${G}gmail.modify`, `${G}gmail.readonly`],
  gmailLabels: [MAIL, `${G}gmail.modify`, `${G}gmail.labels`],
  gmailModify: [MAIL, `${G}gmail.modify`],
  gmailImport: [MAIL, `${G}gmail.modify`, `${G}gmail.insert`],
  gmailDelete: [MAIL],
  driveRead: [`${G}drive`, `${G}drive.readonly`, `${G}drive.metadata.readonly`],
  driveContent: [`${G}drive`, `${G}drive.readonly`],
  driveWrite: [`${G}drive`, `${G}drive.file`],
  calendarRead: [`${G}calendar`, `${G}calendar.readonly`, `${G}calendar.events`, `${G}calendar.events.readonly`],
  calendarWrite: [`${G}calendar`, `${G}calendar.events`],
  calendarList: [`${G}calendar`, `${G}calendar.readonly`, `${G}calendar.calendarlist.readonly`],
  contactsRead: [`${G}contacts`, `${G}contacts.readonly`],
  contactsWrite: [`${G}contacts`],
  directoryUsers: [`${G}admin.directory.user`, `${G}admin.directory.user.readonly`],
  directoryOrgUnits: [`${G}admin.directory.orgunit`, `${G}admin.directory.orgunit.readonly`],
};
