import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvDocument, csvField, csvRecord } from './csv.ts';

describe('the CSV writer', () => {
  it('leaves plain fields and numbers as they are, and writes nothing for null', () => {
    assert.equal(csvField('alice@example.com'), 'alice@example.com');
    assert.equal(csvField(42), '42');
    assert.equal(csvField(null), '');
    assert.equal(csvField(undefined), '');
  });

  it('quotes fields with a comma, quote, CR or LF and doubles the quotes (RFC 4180)', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  });

  it('neutralises every formula start (= + - @ TAB CR) with a leading quote', () => {
    assert.equal(csvField('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tcmd'), "'\tcmd");
    assert.equal(csvField('\rcmd'), '"\'\rcmd"');
    assert.equal(csvField('a=b'), 'a=b');
  });

  it('ends every record with CRLF', () => {
    assert.equal(csvRecord(['a', 1, null]), 'a,1,\r\n');
    assert.equal(csvDocument(['h1', 'h2'], [['x', '=y']]), "h1,h2\r\nx,'=y\r\n");
  });
});
