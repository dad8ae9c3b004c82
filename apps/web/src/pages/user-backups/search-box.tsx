// The "Search backups" box of the per-user page: the query language of `safehold search`, its
// terms shown as removable chips while typing, Enter searches, clearing (the clear button, or an
// empty box and Enter, or removing the last chip) returns to browsing. A term the server would
// refuse is named under the box and not sent.
import { CloseButton, Group, Pill, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { chipLabel, parseChips, queryProblem, removeChip } from './query-chips.ts';

const help = 'Words, "phrases", -word, from: to: subject: name: label: type: after:YYYY/MM/DD before:';

export function SearchBox({ value, onSubmit }: { value: string; onSubmit(query: string): void }) {
  const [draft, setDraft] = useState(value);
  const [showProblem, setShowProblem] = useState(false);
  // The page may change the query (a tab change, a chip removed): the box follows it.
  useEffect(() => {
    setDraft(value);
    setShowProblem(false);
  }, [value]);

  const parsed = parseChips(draft);
  const problem = queryProblem(parsed);

  function submit(query: string) {
    if (queryProblem(parseChips(query))) {
      setShowProblem(true);
      return;
    }
    onSubmit(query.trim());
  }

  return (
    <div>
      <TextInput
        type="search"
        aria-label="Search backups"
        placeholder="Search backups"
        description={help}
        value={draft}
        onChange={(event) => {
          setDraft(event.currentTarget.value);
          setShowProblem(false);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            submit(draft);
          }
        }}
        error={showProblem ? problem : undefined}
        rightSection={
          draft !== '' ? (
            <CloseButton
              aria-label="Clear search"
              onClick={() => {
                setDraft('');
                onSubmit('');
              }}
            />
          ) : null
        }
      />
      {parsed.chips.length > 0 ? (
        <Group gap={6} mt={6} aria-label="Search terms" role="list">
          {parsed.chips.map((chip, index) => (
            <Pill
              // biome-ignore lint/suspicious/noArrayIndexKey: the same term may appear twice; position is its identity
              key={`${index}:${chip.source}`}
              role="listitem"
              withRemoveButton
              // Mantine hides a pill's remove button from assistive technology and the keyboard; here it is how a term is removed.
              removeButtonProps={{ 'aria-label': `Remove ${chipLabel(chip)}`, 'aria-hidden': false, tabIndex: 0 }}
              onRemove={() => {
                const next = removeChip(draft, index);
                setDraft(next);
                submit(next);
              }}
              c={chip.problem ? 'red' : undefined}
              title={chip.problem ?? undefined}
            >
              {chipLabel(chip)}
            </Pill>
          ))}
        </Group>
      ) : null}
      {problem && !showProblem ? (
        <Text size="xs" c="red" mt={4}>
          {problem}
        </Text>
      ) : null}
    </div>
  );
}
