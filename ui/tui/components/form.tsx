/**
 * A keyboard form: one line per field, the error the service gave shown under the field it names. Submitting
 * calls `onSubmit` with the raw strings; a thrown `GatewayError` whose `field` (the CLI flag, "--name") belongs
 * to a field is shown under that field and focuses it, anything else is shown under the form.
 */
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { isGatewayError } from '../../../src/errors/gateway-error.ts';
import { useTui } from '../app-context.ts';
import { clean } from '../text.ts';
import { KeyHints } from './key-hints.tsx';

export interface FieldSpec {
  readonly id: string;
  readonly label: string;
  /** Shown dimmed while the field is empty: an example or the default. */
  readonly placeholder?: string;
  /** `secret` shows dots; `choice` cycles through `choices` with ←/→; `toggle` is yes/no. */
  readonly kind?: 'text' | 'secret' | 'choice' | 'toggle';
  readonly choices?: readonly string[];
  /** Error fields (`GatewayError.field`) shown under this field, e.g. ['--name']. */
  readonly errorFields?: readonly string[];
}

export type FormValues = Record<string, string>;

interface FormProps {
  title: string;
  fields: readonly FieldSpec[];
  initial: FormValues;
  submitLabel: string;
  onSubmit(values: FormValues): Promise<void>;
  onCancel(): void;
  /** A line under the title (what the form does, or a note). */
  note?: string;
}

/** The field a service error is about, or undefined when no field claims it. */
export function fieldForError(fields: readonly FieldSpec[], error: unknown): string | undefined {
  if (!isGatewayError(error)) return undefined;
  // Some lookups name their flag only in the message ("--user: no user named …").
  const named = error.field ?? /^(--[a-z-]+):/.exec(error.message)?.[1];
  if (named === undefined) return undefined;
  return fields.find((field) => field.errorFields?.includes(named) === true || field.id === named)?.id;
}

function errorText(error: unknown): string {
  return clean(error instanceof Error ? error.message : String(error));
}

/** Screen lines a message takes when wrapped at `columns` after an indent of `indent`. */
function wrappedLines(text: string, columns: number, indent: number): number {
  return Math.max(1, Math.ceil((text.length + indent) / Math.max(10, columns)));
}

/**
 * The fields shown when not all fit: a window that holds the focused field, as many fields as `budget` lines
 * allow (a field is one line plus its error's lines).
 */
export function fieldWindow(lines: readonly number[], focus: number, budget: number): { start: number; end: number } {
  let start = focus;
  let end = focus + 1;
  let used = lines[focus] ?? 1;
  // Grow downwards first (the fields after the cursor are the ones still to fill), then upwards.
  while (end < lines.length && used + (lines[end] ?? 1) <= budget) used += lines[end++] ?? 1;
  while (start > 0 && used + (lines[start - 1] ?? 1) <= budget) used += lines[--start] ?? 1;
  return { start, end };
}

export function Form({ title, fields, initial, submitLabel, onSubmit, onCancel, note }: FormProps) {
  const { theme, columns, rows } = useTui();
  const [values, setValues] = useState<FormValues>(() => ({ ...initial }));
  const [focus, setFocus] = useState(0);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const current = fields[focus];
  const setValue = (id: string, value: string): void => {
    setValues((previous) => ({ ...previous, [id]: value }));
    setFieldErrors((previous) => {
      if (previous[id] === undefined) return previous;
      const { [id]: _removed, ...rest } = previous;
      return rest;
    });
  };

  const submit = async (): Promise<void> => {
    setBusy(true);
    setFormError(undefined);
    try {
      await onSubmit(values);
      setFieldErrors({});
    } catch (error) {
      const field = fieldForError(fields, error);
      if (field === undefined) {
        setFormError(errorText(error));
      } else {
        setFieldErrors({ [field]: errorText(error) });
        setFocus(fields.findIndex((spec) => spec.id === field));
      }
    } finally {
      setBusy(false);
    }
  };

  useInput(
    (input, key) => {
      // Ignored rather than switched off while saving: an inactive hook would drop what is typed meanwhile.
      if (current === undefined || busy) return;
      if (key.escape) return onCancel();
      if (key.return) return void submit();
      if (key.downArrow || (key.tab && !key.shift)) return setFocus((index) => (index + 1) % fields.length);
      if (key.upArrow || (key.tab && key.shift)) return setFocus((index) => (index - 1 + fields.length) % fields.length);
      const value = values[current.id] ?? '';
      if (current.kind === 'choice' || current.kind === 'toggle') {
        const choices = current.kind === 'toggle' ? ['no', 'yes'] : (current.choices ?? []);
        const step = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
        if (step !== 0 && choices.length > 0) {
          const index = Math.max(0, choices.indexOf(value));
          setValue(current.id, choices[(index + step + choices.length) % choices.length] as string);
        }
        return;
      }
      if (key.backspace || key.delete) return setValue(current.id, value.slice(0, -1));
      if (key.ctrl && input === 'u') return setValue(current.id, '');
      if (key.ctrl || key.meta || input === '') return;
      // Pasted text arrives as one string; line breaks and controls never belong in a one-line field.
      const typed = input.replace(/[\u0000-\u001f\u007f]/g, '');
      if (typed !== '') setValue(current.id, value + typed);
    },
  );

  const labelWidth = Math.max(...fields.map((field) => field.label.length)) + 1;
  const valueWidth = Math.max(10, columns - labelWidth - 4);
  // The app's body (rows less the tab, message and hint lines) less title, note, margins and the form's hints.
  const formErrorLines = formError === undefined ? 0 : 1 + wrappedLines(formError, columns, 2);
  const budget = Math.max(3, rows - 3 - 5 - formErrorLines);
  const lines = fields.map((field) => {
    const error = fieldErrors[field.id];
    return 1 + (error === undefined ? 0 : wrappedLines(error, columns, 6));
  });
  const whole = fieldWindow(lines, Math.max(0, focus), budget);
  // A cut list spends two lines on "↑ N more" and "↓ N more".
  const { start, end } = whole.start > 0 || whole.end < fields.length ? fieldWindow(lines, Math.max(0, focus), budget - 2) : whole;
  return (
    <Box flexDirection="column">
      <Text bold color={theme.accent} wrap="truncate">
        {title}
      </Text>
      <Text color={theme.muted} wrap="truncate">
        {note ?? ' '}
      </Text>
      <Box flexDirection="column" marginTop={1} flexShrink={0}>
        {start > 0 ? <Text color={theme.muted}>  ↑ {start} more</Text> : null}
        {fields.slice(start, end).map((field, offset) => {
          const index = start + offset;
          const focused = index === focus;
          const raw = values[field.id] ?? '';
          const shown = field.kind === 'secret' ? '•'.repeat(Math.min(raw.length, 40)) : raw;
          const tail = shown.length > valueWidth - 1 ? `…${shown.slice(-(valueWidth - 2))}` : shown;
          const error = fieldErrors[field.id];
          const choice = field.kind === 'choice' || field.kind === 'toggle';
          return (
            <Box key={field.id} flexDirection="column" flexShrink={0}>
              <Text wrap="truncate">
                <Text color={focused ? theme.accent : undefined} bold={focused}>
                  {focused ? '› ' : '  '}
                  {field.label.padEnd(labelWidth)}
                </Text>
                {choice ? <Text color={theme.muted}>{focused ? '‹ ' : '  '}</Text> : null}
                {raw === '' && field.placeholder !== undefined ? (
                  <Text color={theme.muted}>{focused ? '▏' : ' '}{field.placeholder}</Text>
                ) : (
                  <Text>
                    {tail}
                    {focused && !choice ? '▏' : ''}
                  </Text>
                )}
                {choice && focused ? <Text color={theme.muted}> ›</Text> : null}
              </Text>
              {error === undefined ? null : (
                <Text color={theme.danger} wrap="wrap">
                  {'    ✗ '}
                  {error}
                </Text>
              )}
            </Box>
          );
        })}
        {end < fields.length ? <Text color={theme.muted}>  ↓ {fields.length - end} more</Text> : null}
      </Box>
      {formError === undefined ? null : (
        <Box marginTop={1}>
          <Text color={theme.danger} wrap="wrap">
            ✗ {formError}
          </Text>
        </Box>
      )}
      <Box marginTop={1}>
        {busy ? (
          <Text color={theme.warning}>working…</Text>
        ) : (
          <KeyHints
            hints={[
              ['Enter', submitLabel],
              ['Tab/↓ ↑', 'field'],
              ...(current?.kind === 'choice' || current?.kind === 'toggle' ? ([['←/→', 'change']] as const) : ([['^U', 'clear']] as const)),
              ['Esc', 'cancel'],
            ]}
          />
        )}
      </Box>
    </Box>
  );
}
