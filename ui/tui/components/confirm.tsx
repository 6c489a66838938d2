/** A yes/no question: y confirms, n or Esc declines; nothing else does anything. */
import { Box, Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';
import { KeyHints } from './key-hints.tsx';

export function Confirm({ question, onYes, onNo }: { question: string; onYes(): void; onNo(): void }) {
  const { theme } = useTui();
  useInput((input, key) => {
    if (input === 'y' || input === 'Y') onYes();
    else if (input === 'n' || input === 'N' || key.escape || input === 'q') onNo();
  });
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.warning} paddingX={1}>
      <Text bold>{question}</Text>
      <KeyHints hints={[['y', 'yes'], ['n/Esc', 'no']]} />
    </Box>
  );
}
