/** `?`: every key of every screen on one page. */
import { Box, Text, useInput } from 'ink';
import { useTui } from '../app-context.ts';
import { KeyHints } from '../components/key-hints.tsx';

const SECTIONS: readonly (readonly [string, string])[] = [
  ['Everywhere', '1-6 or Tab/Shift-Tab switch screens · ? this help · q quit (back, inside a form or view) · Ctrl-C quit'],
  ['Lists', '↑/↓ j/k move · PgUp/PgDn · g/G first/last · / filter (Enter keeps, Esc clears) · Enter open or edit'],
  ['Forms', 'Tab/↓ ↑ move between fields · ←/→ change a choice · Ctrl-U clear · Enter save · Esc cancel'],
  ['Channels', 'n new · e edit · s enable/disable · x delete · t test · A test every enabled and auto-disabled channel'],
  ['Keys', 'n new (the key is shown once; c copies it) · e edit quota/expiry/models/IPs · s enable/disable · x delete'],
  ['Users', 'n new · + top up · s enable/disable'],
  ['Codes', 'n create redemption codes (shown once) · x disable'],
  ['Logs', 'live tail, newest on top · / filters (user, key, model, channel, errors) · E errors only · p pause · Enter details'],
];

export function Help({ onClose }: { onClose(): void }) {
  const { theme } = useTui();
  useInput(() => onClose());
  return (
    <Box flexDirection="column">
      <Text bold color={theme.accent}>
        Keys
      </Text>
      {SECTIONS.map(([title, text]) => (
        <Box key={title} marginTop={1}>
          <Box width={11} flexShrink={0}>
            <Text bold>{title}</Text>
          </Box>
          <Text wrap="wrap">{text}</Text>
        </Box>
      ))}
      <Box marginTop={1}>
        <KeyHints hints={[['any key', 'close']]} />
      </Box>
    </Box>
  );
}
