/** The key hints every screen shows at the bottom: "n new · e edit · q back". */
import { Box, Text } from 'ink';
import { useTui } from '../app-context.ts';

export type Hint = readonly [key: string, action: string];

export function KeyHints({ hints }: { hints: readonly Hint[] }) {
  const { theme } = useTui();
  return (
    <Box flexWrap="wrap" columnGap={2}>
      {hints.map(([key, action]) => (
        <Text key={`${key}-${action}`}>
          <Text color={theme.key} bold>
            {key}
          </Text>
          <Text color={theme.muted}> {action}</Text>
        </Text>
      ))}
    </Box>
  );
}
