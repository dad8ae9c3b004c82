// Placeholder for helper W2B's search box (the real one parses the query into chips); replaced at merge.
import { TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';

export function SearchBox({ value, onSubmit }: { value: string; onSubmit(query: string): void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <TextInput
      type="search"
      label="Search backups"
      placeholder="from:alice invoice after:2026-01-01"
      value={draft}
      onChange={(event) => {
        setDraft(event.currentTarget.value);
        if (event.currentTarget.value === '') onSubmit('');
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') onSubmit(draft.trim());
      }}
    />
  );
}
