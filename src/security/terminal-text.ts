/**
 * Text from the database or from upstreams (channel, key and model names, error messages) is untrusted where a
 * terminal shows it: ESC-introduced sequences (CSI, OSC, single-character escapes) and other C0/C1 controls
 * could rewrite an operator's screen (reliability.md 2.8.4, I6). Tab and newline are kept.
 */
const terminalEscapes =
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function stripTerminalEscapes(text: string): string {
  return text.replace(terminalEscapes, '');
}
