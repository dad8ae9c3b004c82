import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { versionsOf } from '../../testing/backup.ts';
import { type BrowseFixture, browseFixture } from '../../testing/browse-fixture.ts';
import type { Browser } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { parseQuery } from './query-parser.ts';
import { type SearchOptions, searchAll, searchItems } from './search.ts';

forEachDatabase('search', (kind) => {
  let f: BrowseFixture;
  let owner: Browser;
  let mailId = '';
  let fileId = '';
  let beforeDeletion: Date;
  const user = () => f.users[0]?.email as string;
  const other = () => f.users[1]?.email as string;

  /** Item keys found for a query (every page). */
  async function keys(text: string, options: Omit<SearchOptions, 'cursor' | 'limit'> = {}): Promise<string[]> {
    const found: string[] = [];
    for await (const hit of searchAll(f.ctx.db, f.customerId, parseQuery(text), options)) found.push(hit.itemKey);
    return found;
  }

  before(async () => {
    f = await browseFixture(kind, {
      users: 2,
      generate: { messagesPerUser: 12, filesPerUser: 5, eventsPerUser: 3, contactsPerUser: 3 },
    });
    mailId = f.emulator.control.addMessage({
      email: user(),
      subject: 'Zephyr xylophone review',
      from: 'Carol Qwertyfin <carol@qwertyfin.example>',
      body: 'numbers attached',
      labelIds: ['INBOX'],
    }).id;
    fileId = f.emulator.control.createFile({
      email: user(),
      name: 'xylophone-report.pdf',
      mimeType: 'application/pdf',
      content: '%PDF-1.4 xylophone',
    }).id;
    await f.backUp(user(), ['gmail', 'drive', 'calendar', 'contacts']);
    await f.backUp(other(), ['gmail', 'drive']);
    beforeDeletion = f.ctx.clock.now();
    owner = await f.as('owner');
  });
  after(async () => {
    await f?.close();
  });

  it('finds a word in any part of mail and file metadata, and a field term only in its part', async () => {
    assert.deepEqual((await keys('xylophone')).sort(), [fileId, mailId].sort());
    assert.deepEqual(await keys('from:qwertyfin'), [mailId]);
    assert.deepEqual(await keys('from:qwertyfin.example'), [mailId], 'a domain matches the address');
    assert.deepEqual(await keys('from:xylophone'), [], 'the subject is not the sender');
    assert.deepEqual(await keys('subject:zephyr'), [mailId]);
    assert.deepEqual(await keys('name:"xylophone report"'), [fileId]);
    assert.deepEqual(await keys('"zephyr xylophone"'), [mailId]);
    assert.deepEqual(await keys('"xylophone zephyr"'), [], 'a phrase keeps its word order');
    assert.deepEqual(await keys('xylo* -zephyr'), [fileId], 'prefix and negation');
    const local = user().split('@')[0] as string;
    assert.ok((await keys(`to:${local} zephyr`)).includes(mailId));
  });

  it('filters by service, MIME type, label and user', async () => {
    assert.deepEqual(await keys('xylophone type:gmail'), [mailId]);
    assert.deepEqual(await keys('xylophone type:drive'), [fileId]);
    assert.deepEqual(await keys('type:pdf xylophone'), [fileId]);
    assert.deepEqual(await keys('type:application/pdf xylophone'), [fileId]);
    assert.deepEqual(await keys('xylophone label:inbox'), [mailId]);
    assert.deepEqual(await keys('xylophone in:starred'), []);
    assert.deepEqual((await keys(`xylophone user:${user()}`)).sort(), [fileId, mailId].sort());
    assert.deepEqual((await keys(`xylophone user:${user().split('@')[0]}`)).sort(), [fileId, mailId].sort());
    assert.deepEqual(await keys(`xylophone user:${other()}`), []);
    const mail = await keys('type:gmail');
    const expected = [...(await versionsOf(f, user(), 'gmail')), ...(await versionsOf(f, other(), 'gmail'))];
    assert.deepEqual(mail.sort(), expected.map((version) => version.itemKey).sort());
    const labelled = await keys('label:inbox');
    const inbox = expected.filter((version) => (version.metadata.labelIds as string[]).includes('INBOX'));
    assert.deepEqual(labelled.sort(), inbox.map((version) => version.itemKey).sort());
  });

  it('filters by date with after: and before: on the item date', async () => {
    const [hit] = (await searchItems(f.ctx.db, f.customerId, parseQuery('subject:zephyr'))).items;
    assert.ok(hit);
    const seconds = Math.floor(hit.itemTime.getTime() / 1000);
    assert.deepEqual(await keys(`zephyr after:${seconds - 60} before:${seconds + 60}`), [mailId]);
    assert.deepEqual(await keys(`zephyr after:${seconds + 60}`), []);
    assert.deepEqual(await keys(`zephyr before:${seconds - 60}`), []);
  });

  it('pages newest item first without overlap and covers every current version', async () => {
    const seen: string[] = [];
    const times: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await searchItems(f.ctx.db, f.customerId, parseQuery(''), { limit: 7, cursor });
      assert.ok(page.items.length <= 7);
      seen.push(...page.items.map((hit) => `${hit.sourceId}/${hit.itemKey}`));
      times.push(...page.items.map((hit) => hit.itemTime.getTime()));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    let total = 0;
    for (const email of [user(), other()])
      for (const service of ['gmail', 'drive', 'calendar', 'contacts'])
        total += (await versionsOf(f, email, service)).length;
    assert.equal(seen.length, total);
  });

  it('searches as of a moment or every version; a deleted mail is gone from the current versions only', async () => {
    f.emulator.control.deleteMessage({ email: user(), id: mailId });
    await f.backUp(user(), ['gmail']);
    assert.deepEqual(await keys('zephyr'), []);
    assert.deepEqual(await keys('zephyr', { asOf: beforeDeletion }), [mailId]);
    const all = [];
    for await (const hit of searchAll(f.ctx.db, f.customerId, parseQuery('zephyr'), { allVersions: true }))
      all.push(hit);
    assert.deepEqual(
      all.map((hit) => [hit.itemKey, hit.validTo !== null]),
      [[mailId, true]],
    );
    const api = await owner.get(
      `/api/customers/${f.customerId}/search?q=${encodeURIComponent('zephyr')}&asOf=${beforeDeletion.toISOString()}`,
    );
    assert.equal(api.statusCode, 200, api.body);
    const [item] = api.json().items;
    assert.equal(item.title, 'Zephyr xylophone review');
    assert.equal(item.service, 'gmail');
    assert.equal(item.user, user());
    assert.equal(item.current, false);
  });

  it('answers a bad query with 400 naming the term, and pages through the API with its cursor', async () => {
    const bad = await owner.get(
      `/api/customers/${f.customerId}/search?q=${encodeURIComponent('xylophone colour:red')}`,
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /colour:red/);
    const first = await owner.get(`/api/customers/${f.customerId}/search?q=type:gmail&limit=5`);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().items.length, 5);
    const second = await owner.get(
      `/api/customers/${f.customerId}/search?q=type:gmail&limit=5&cursor=${first.json().nextCursor}`,
    );
    assert.equal(second.statusCode, 200, second.body);
    const overlap = second
      .json()
      .items.filter((item: { itemKey: string }) =>
        first.json().items.some((earlier: { itemKey: string }) => earlier.itemKey === item.itemKey),
      );
    assert.deepEqual(overlap, []);
  });

  it("every version's search document is translate()'s: the separators '@._-/:+<>' become spaces, nothing else changes", async () => {
    // The generated column replaces the separators with a chain of replace() (cheaper to insert);
    // this is the expression it replaced, compared over the fixture's versions and odd metadata.
    const spacedText = (text: string) => `translate(${text}, '@._-/:+<>', '         ')`;
    const reference = sql.raw(
      `setweight(to_tsvector('simple', ${spacedText(`coalesce(metadata->>'subject', '') || ' ' || coalesce(metadata->>'name', '') || ' ' || coalesce(metadata->>'summary', '') || ' ' || coalesce(metadata->>'displayName', '')`)}), 'A') || setweight(to_tsvector('simple', ${spacedText(`coalesce(metadata->>'from', '')`)}), 'B') || setweight(to_tsvector('simple', ${spacedText(`coalesce(metadata->>'to', '') || ' ' || coalesce(metadata->>'cc', '')`)}), 'C') || setweight(to_tsvector('simple', ${spacedText(`coalesce(metadata->>'labelNames', '')`)}), 'D')`,
    );
    const odd = [
      { subject: 'a.b_c-d/e:f+g<h>i@j k&amp;l <b>bold</b> Müller ÉCOLE 3.14 v1.2.3 http://x.y/z?q=1' },
      { name: 'report_final-v2.pdf', labelNames: ['Work/Projects', 'a"b', 12, null] },
      { from: '"Doe, John" <john.doe+tag@sub.example.co.uk>', to: ['x@y.z'], cc: null, displayName: { k: 'v' } },
      { summary: 'Stand-up 09:30 — room <A/B>', subject: 'Re: [ext] £100 + 20% off ~user_name~ C++ e-mail 1.5e-3' },
      {},
    ];
    const [version] = await versionsOf(f, user(), 'gmail');
    assert.ok(version, 'the mail was backed up');
    const rollback = new Error('rolled back');
    const outcome = await f.ctx.db
      .transaction(async (tx) => {
        for (const [i, metadata] of odd.entries()) {
          await tx.execute(sql`
            insert into backup_item_versions
              (customer_id, source_id, run_id, valid_from, item_key, version, object_id, content_hash, size, metadata)
            values (${f.customerId}, ${version.sourceId}, ${version.runId}, now(), ${`odd-${i}`}, 1, 'x', 'y', 0, ${JSON.stringify(metadata)}::jsonb)`);
        }
        const result = await tx.execute(sql`
          select count(*)::int as versions, count(*) filter (where search_vector = ${reference})::int as same
          from backup_item_versions where customer_id = ${f.customerId}`);
        const [counts] = (result as unknown as { rows: Array<{ versions: number; same: number }> }).rows;
        throw Object.assign(rollback, { counts });
      })
      .catch((error: unknown) => error);
    assert.equal(outcome, rollback);
    const counts = (rollback as Error & { counts: { versions: number; same: number } }).counts;
    assert.ok(counts.versions > odd.length + 20, `${counts.versions} versions compared`);
    assert.equal(counts.same, counts.versions);
  });

  it("tenant A cannot search tenant B: B's items never appear in A, and another partner gets 404", async () => {
    assert.deepEqual(await keys('secret'), []);
    assert.deepEqual(await keys('zephyr', { allVersions: true }), [mailId], "tenant B's zephyr mail is not found in A");
    const inB = await searchItems(f.ctx.db, f.other.customerId, parseQuery('secret zephyr'));
    assert.deepEqual(
      inB.items.map((hit) => hit.itemKey),
      ['other-message'],
    );
    const inBviaA = await owner.get(`/api/customers/${f.other.customerId}/search?q=secret`);
    assert.equal(inBviaA.statusCode, 404);
    const stranger = await f.as('stranger');
    assert.equal((await stranger.get(`/api/customers/${f.customerId}/search?q=xylophone`)).statusCode, 404);
    const own = await stranger.get(`/api/customers/${f.other.customerId}/search?q=secret`);
    assert.equal(own.statusCode, 200, own.body);
    assert.equal(own.json().items.length, 1);
    const viewer = await f.as('readOnly');
    assert.equal((await viewer.get(`/api/customers/${f.customerId}/search?q=xylophone`)).statusCode, 403);
  });
});
