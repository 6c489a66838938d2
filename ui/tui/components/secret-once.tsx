/**
 * A secret shown this one time (a new key, generated passwords, redemption codes), with how to copy it: `c`
 * copies through the terminal (OSC 52, which most terminals and tmux with set-clipboard honour), or select it
 * with the mouse. Any of Enter, Esc or q leaves, and the secret is gone from the screen for good.
 */
import { Box, Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';
import { KeyHints } from './key-hints.tsx';

export function SecretOnce({ title, secrets, details, onDone }: { title: string; secrets: readonly string[]; details?: string; onDone(): void }) {
  const { theme, copy, flash } = useTui();
  useInput((input, key) => {
    if (input === 'c') {
      copy(secrets.join('\n'));
      flash('copied to the clipboard (if your terminal allows OSC 52); else select the text with the mouse', 'success');
    } else if (key.return || key.escape || input === 'q') onDone();
  });
  return (
    <Box flexDirection="column">
      <Text bold color={theme.success}>
        {title}
      </Text>
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warning} paddingX={1} marginY={1}>
        {secrets.map((secret) => (
          <Text key={secret} bold>
            {secret}
          </Text>
        ))}
      </Box>
      <Text color={theme.warning}>Store it now: it is shown only once and cannot be recovered.</Text>
      <Text color={theme.muted}>Copy: press c, or select it with the mouse (in tmux: Shift+drag).</Text>
      {details === undefined ? null : <Text color={theme.muted}>{details}</Text>}
      <Box marginTop={1}>
        <KeyHints hints={[['c', 'copy'], ['Enter/Esc', 'done']]} />
      </Box>
    </Box>
  );
}
