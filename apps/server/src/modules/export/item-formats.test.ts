import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { fuzz } from '../../testing/fuzz.ts';
import { foldLine } from './content-lines.ts';
import { downloadContentType } from './download-headers.ts';
import { contentDisposition, messageFileStem, safeSegment, UniquePaths } from './file-names.ts';
import { renderIcs } from './ics.ts';
import { MboxrdEncoder, mboxFromLine } from './mbox.ts';
import { renderVcard } from './vcard.ts';

const master = {
  id: 'abc123',
  iCalUID: 'abc123@google.com',
  summary: 'Weekly sync; budget, plans\nand more',
  description: 'Agenda: a long description that goes well past seventy-five octets — with accents éèà and more text',
  location: 'Salle Érable',
  start: { dateTime: '2026-03-20T09:00:00Z', timeZone: 'Europe/Paris' },
  end: { dateTime: '2026-03-20T10:00:00Z', timeZone: 'Europe/Paris' },
  recurrence: ['RRULE:FREQ=WEEKLY;COUNT=10', 'EXDATE;TZID=Europe/Paris:20260403T100000'],
  status: 'confirmed',
  updated: '2026-03-01T08:00:00.000Z',
  organizer: { email: 'alice@example.com', displayName: 'Alice, Owner' },
  attendees: [
    { email: 'bob@example.com', responseStatus: 'accepted' },
    { email: 'room@example.com', resource: true, optional: true },
  ],
};
const moved = {
  id: 'abc123_20260327T090000Z',
  iCalUID: 'abc123@google.com',
  recurringEventId: 'abc123',
  originalStartTime: { dateTime: '2026-03-27T09:00:00Z', timeZone: 'Europe/Paris' },
  summary: 'Weekly sync (moved)',
  start: { dateTime: '2026-03-27T13:00:00Z', timeZone: 'Europe/Paris' },
  end: { dateTime: '2026-03-27T14:00:00Z', timeZone: 'Europe/Paris' },
};
const allDay = {
  id: 'day1',
  iCalUID: 'day1@google.com',
  summary: 'Holiday',
  start: { date: '2026-05-01' },
  end: { date: '2026-05-02' },
};

describe('iCalendar rendering', () => {
  it('produces a calendar ical.js reads back: UID, zoned times, recurrence, exception, all-day dates', () => {
    const text = renderIcs([master, moved, allDay], 'Primary');
    for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
    const calendar = new ICAL.Component(ICAL.parse(text));
    for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
    const events = calendar.getAllSubcomponents('vevent').map((component) => new ICAL.Event(component));
    assert.equal(events.length, 3);
    const [first, exception, holiday] = events as [ICAL.Event, ICAL.Event, ICAL.Event];
    assert.equal(first.uid, 'abc123@google.com');
    assert.equal(first.summary, master.summary);
    assert.equal(first.description, master.description);
    assert.equal(first.location, 'Salle Érable');
    assert.equal(first.startDate.toJSDate().toISOString(), '2026-03-20T09:00:00.000Z');
    assert.equal(first.startDate.zone?.tzid, 'Europe/Paris');
    assert.equal(first.endDate.toJSDate().toISOString(), '2026-03-20T10:00:00.000Z');
    assert.ok(first.isRecurring());
    assert.equal(first.component.getFirstPropertyValue('rrule')?.toString(), 'FREQ=WEEKLY;COUNT=10');
    const exdate = first.component.getFirstPropertyValue('exdate') as ICAL.Time;
    assert.equal(exdate.toJSDate().toISOString(), '2026-04-03T08:00:00.000Z');
    const attendees = first.attendees.map((attendee) => [
      attendee.getFirstValue(),
      attendee.getParameter('partstat'),
      attendee.getParameter('role'),
    ]);
    assert.deepEqual(attendees, [
      ['mailto:bob@example.com', 'ACCEPTED', 'REQ-PARTICIPANT'],
      ['mailto:room@example.com', 'NEEDS-ACTION', 'OPT-PARTICIPANT'],
    ]);
    assert.equal(first.organizer, 'mailto:alice@example.com');
    assert.equal(first.component.getFirstProperty('organizer')?.getParameter('cn'), 'Alice, Owner');
    assert.equal(exception.uid, 'abc123@google.com');
    assert.equal(exception.recurrenceId.toJSDate().toISOString(), '2026-03-27T09:00:00.000Z');
    assert.equal(exception.startDate.toJSDate().toISOString(), '2026-03-27T13:00:00.000Z');
    assert.ok(holiday.startDate.isDate);
    assert.equal(holiday.startDate.toString(), '2026-05-01');
    assert.equal(holiday.endDate.toString(), '2026-05-02');
    // The recurrence expands in Paris time across the daylight-saving change (March 29).
    const iterator = first.iterator();
    const starts: string[] = [];
    for (let next = iterator.next(); next && starts.length < 3; next = iterator.next()) {
      starts.push(next.toJSDate().toISOString());
    }
    assert.deepEqual(starts, ['2026-03-20T09:00:00.000Z', '2026-03-27T09:00:00.000Z', '2026-04-10T08:00:00.000Z']);
  });

  it('folds long lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `DESCRIPTION:${'é'.repeat(100)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    assert.ok(parts.length > 1);
    for (const part of parts) assert.ok(Buffer.byteLength(part) <= 75);
    assert.equal(parts.map((part, i) => (i === 0 ? part : part.slice(1))).join(''), line);
  });
});

describe('vCard rendering', () => {
  it('produces cards ical.js reads back with names, emails, phones, organisation, address, note and groups', () => {
    const person = {
      resourceName: 'people/c42',
      names: [{ displayName: 'Zoë Martin', givenName: 'Zoë', familyName: 'Martin' }],
      emailAddresses: [{ value: 'zoe@example.com', type: 'work' }],
      phoneNumbers: [{ value: '+33 1 23 45 67 89', type: 'mobile' }],
      organizations: [{ name: 'Acme; SARL', title: 'Directrice' }],
      addresses: [
        { streetAddress: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'France', type: 'work' },
      ],
      biographies: [{ value: 'Met at the fair, very nice, see notes;\nsecond line' }],
      memberships: [
        { contactGroupMembership: { contactGroupResourceName: 'contactGroups/myContacts' } },
        { contactGroupMembership: { contactGroupResourceName: 'contactGroups/abc' } },
      ],
    };
    const text =
      renderVcard(person, new Map([['contactGroups/abc', 'Clients, VIP']])) +
      renderVcard({ names: [{ displayName: 'Second' }] });
    const parsed = ICAL.parse(text) as unknown[];
    assert.equal(parsed.length, 2);
    const card = new ICAL.Component(parsed[0] as unknown[]);
    assert.equal(card.getFirstPropertyValue('version'), '3.0');
    assert.equal(card.getFirstPropertyValue('fn'), 'Zoë Martin');
    assert.deepEqual(card.getFirstPropertyValue('n'), ['Martin', 'Zoë', '', '', '']);
    assert.equal(card.getFirstPropertyValue('email'), 'zoe@example.com');
    assert.equal(card.getFirstPropertyValue('tel'), '+33 1 23 45 67 89');
    assert.equal(card.getFirstProperty('tel')?.getParameter('type'), 'CELL');
    assert.deepEqual(card.getFirstPropertyValue('org'), ['Acme; SARL', '']);
    assert.deepEqual(card.getFirstPropertyValue('adr'), ['', '', '1 rue de la Paix', 'Paris', '', '75002', 'France']);
    assert.equal(card.getFirstPropertyValue('note'), 'Met at the fair, very nice, see notes;\nsecond line');
    assert.deepEqual(card.getFirstProperty('categories')?.getValues(), ['Clients, VIP']);
    assert.equal(new ICAL.Component(parsed[1] as unknown[]).getFirstPropertyValue('fn'), 'Second');
  });
});

describe('mboxrd', () => {
  it('quotes From lines (also when split across chunks) so that Python reads back the message', () => {
    const message = Buffer.from(
      'From: Alice <alice@example.com>\r\nSubject: Quoting\r\nMessage-ID: <q1@example.com>\r\n\r\n' +
        'From here on\r\n>From quoted already\r\nNot From at start\r\nFrom',
    );
    const encoder = new MboxrdEncoder();
    const parts = [message.subarray(0, 70), message.subarray(70, 73), message.subarray(73, 140), message.subarray(140)];
    const body = Buffer.concat([...parts.map((part) => encoder.push(part)), encoder.end()]);
    assert.match(body.toString(), /\r\n>From here on\r\n>>From quoted already\r\nNot From at start\r\nFrom\n\n$/);
    const dir = mkdtempSync(path.join(tmpdir(), 'safehold-mbox-'));
    try {
      const file = path.join(dir, 'x.mbox');
      const second = Buffer.from('Subject: Second\r\nMessage-ID: <q2@example.com>\r\n\r\nBody\r\n');
      const encoder2 = new MboxrdEncoder();
      writeFileSync(
        file,
        Buffer.concat([
          Buffer.from(mboxFromLine('Alice <alice@example.com>', new Date('2026-11-04T09:05:01Z'))),
          body,
          Buffer.from(mboxFromLine(undefined, new Date('2026-11-05T09:05:01Z'))),
          encoder2.push(second),
          encoder2.end(),
        ]),
      );
      const script =
        'import mailbox,sys,json\n' +
        'box=mailbox.mbox(sys.argv[1])\n' +
        'print(json.dumps([[m["Message-ID"], m.get_from(), m.get_payload()] for m in box]))';
      const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as string[][];
      assert.equal(out.length, 2);
      assert.equal(out[0]?.[0], '<q1@example.com>');
      assert.equal(out[0]?.[1], 'alice@example.com Wed Nov  4 09:05:01 2026');
      assert.match(out[0]?.[2] ?? '', /^>From here on/);
      assert.equal(out[1]?.[0], '<q2@example.com>');
      assert.equal(out[1]?.[1], 'MAILER-DAEMON Thu Nov  5 09:05:01 2026');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mboxrd chunking', () => {
  it('quotes the same whatever the chunk boundaries', () => {
    const text = Buffer.from('From a\r\n>From b\nFro\n>>From c\r\nx From d\n\nFrom\n>F\nFrom ');
    const whole = new MboxrdEncoder();
    const expected = Buffer.concat([whole.push(text), whole.end()]);
    assert.equal(expected.toString(), '>From a\r\n>>From b\nFro\n>>>From c\r\nx From d\n\nFrom\n>F\n>From \n\n');
    for (let size = 1; size <= text.length; size++) {
      const encoder = new MboxrdEncoder();
      const parts: Buffer[] = [];
      for (let at = 0; at < text.length; at += size) parts.push(encoder.push(text.subarray(at, at + size)));
      parts.push(encoder.end());
      assert.deepEqual(Buffer.concat(parts), expected, `chunks of ${size}`);
    }
  });
});

describe('mboxrd without copies', () => {
  it('pushParts quotes as the rule says (one more ">" before each ^>*From line) for any text cut anywhere', () => {
    const pieces = fc.constantFrom('From ', '>', 'Fro', 'm', ' ', '\n', '\r\n', 'x', '>From ');
    fuzz(
      fc.property(fc.array(pieces, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (parts, cuts) => {
        const text = Buffer.from(parts.join(''));
        const expected = Buffer.from(text.toString().replace(/^(>*From )/gm, '>$1'));
        const encoder = new MboxrdEncoder();
        const at = [...new Set(cuts.map((cut) => (text.length === 0 ? 0 : cut % text.length)))].sort((a, b) => a - b);
        const out: Buffer[] = [];
        let from = 0;
        for (const cut of [...at, text.length]) {
          out.push(...encoder.pushParts(text.subarray(from, cut)));
          from = cut;
        }
        // What a chunk ended on (a line that may still become a From line) comes out with the end.
        const ending = text.length === 0 || text.at(-1) === 0x0a ? '\n' : '\n\n';
        assert.deepEqual(Buffer.concat([...out, encoder.end()]), Buffer.concat([expected, Buffer.from(ending)]));
      }),
    );
  });
});

describe('file names', () => {
  it('makes path segments safe and unique, and a Content-Disposition with the Unicode name', () => {
    assert.equal(safeSegment('../a/b:c?'), '_a_b_c_');
    assert.equal(safeSegment('..'), '_');
    assert.equal(safeSegment('CON'), '_CON');
    const paths = new UniquePaths();
    assert.equal(paths.take(['drive', 'Docs', 'Report.docx']), 'drive/Docs/Report.docx');
    assert.equal(paths.take(['drive', 'Docs', 'report.DOCX']), 'drive/Docs/report (2).DOCX');
    const stem = messageFileStem(new Date('2026-11-24T10:00:00Z'), 'Réunion '.repeat(40), '18c3f');
    assert.match(stem, /^2026-11-24 Réunion .* \[18c3f\]$/);
    assert.ok(Buffer.byteLength(stem) < 100);
    assert.equal(
      contentDisposition('Réunion "x".ics'),
      `attachment; filename="R_union _x_.ics"; filename*=UTF-8''R%C3%A9union%20%22x%22.ics`,
    );
  });
});

describe('download content types', () => {
  it('keeps an inert type (with its charset) and makes anything that could run a plain octet stream', () => {
    assert.equal(downloadContentType('message/rfc822'), 'message/rfc822');
    assert.equal(downloadContentType('text/calendar; charset=utf-8'), 'text/calendar; charset=utf-8');
    assert.equal(downloadContentType('Image/PNG'), 'image/png');
    assert.equal(downloadContentType('application/pdf; name="x.pdf"'), 'application/pdf');
    for (const active of [
      'text/html',
      'TEXT/HTML; charset=utf-8',
      'image/svg+xml',
      'application/xhtml+xml',
      'text/xml',
      'application/xml',
      'text/javascript',
      'application/x-shockwave-flash',
      'multipart/x-mixed-replace; boundary=x',
      '',
    ]) {
      assert.equal(downloadContentType(active), 'application/octet-stream', active);
    }
    // A parameter that is not a plain charset is dropped, not passed on.
    assert.equal(downloadContentType('text/plain; charset=utf-8, text/html'), 'text/plain');
  });
});
