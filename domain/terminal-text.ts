/**
 * Characters a terminal would act on rather than show: C0 controls (U+0000–U+001F: ESC, carriage
 * return, newline, tab, bell...), DEL (U+007F), C1 controls (U+0080–U+009F, among them the 8-bit
 * CSI U+009B), the bidirectional embeddings and overrides (U+202A–U+202E) and isolates
 * (U+2066–U+2069), and the line and paragraph separators (U+2028, U+2029).
 */
const UNSAFE = new RegExp('[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]', 'g');

/**
 * `text` made safe to print to an operator's terminal or put in a CSV cell: every character in
 * UNSAFE is written out as a visible escape (`\x1B` for ESC, `\x0D` for a carriage return, `\x9B`,
 * `\u202E`), so an escape sequence in an advertiser-controlled name (a campaign name, a pin title,
 * an event_id) is shown, never run: it cannot change the title or colours or overwrite a line.
 * Everything else, backslashes included, is unchanged. Pure; never throws.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
