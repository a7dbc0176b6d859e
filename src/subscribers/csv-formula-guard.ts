/**
 * The CSV-injection guard of our exports, and its inverse for imports, so export then import is a
 * round trip (issue 18 #7: `=calc@readers.example` came back as `'=calc@readers.example`, which is a
 * valid but different address).
 *
 * A cell a spreadsheet would run as a formula (it starts with = + - @, tab or CR) gets one `'` in
 * front (OWASP's advice; spreadsheets hide the quote). A cell that starts with quotes followed by one
 * of those characters gets one more, so guarding is one-to-one and `unguardFormula` can always undo
 * it: on import, one leading `'` is dropped from a cell of the form `'…'=…`. The price: a hand-made
 * file whose cell really starts with `'=` is read as our guard (such a cell cannot be an address or a
 * topic, and a name starting with `'=` is rare enough).
 */
const GUARDED = /^'*[=+\-@\t\r]/;
const UNGUARD = /^'+[=+\-@\t\r]/;

export function guardFormula(value: string): string {
  return GUARDED.test(value) ? `'${value}` : value;
}

export function unguardFormula(value: string): string {
  return UNGUARD.test(value) ? value.slice(1) : value;
}
