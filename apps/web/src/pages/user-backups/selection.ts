// What is selected on the per-user page, as pure functions over the contract's Selection: a row's
// checkbox toggles one item, the page's checkbox selects or clears the rows shown, "Select whole
// label / folder" selects a container, and a new tab or backup point clears it all (items of one
// service at one point cannot be restored as another's). Nothing selected means the whole service.
import type { SelectableItem, Selection, Service } from './contract.ts';

export const wholeService: Selection = { kind: 'service' };

export type SelectionAction =
  | { type: 'toggle'; item: SelectableItem }
  | { type: 'page'; items: SelectableItem[]; selected: boolean }
  | { type: 'label'; labelId: string; name: string }
  | { type: 'folder'; folderKey: string; name: string; path: string }
  | { type: 'query'; query: string }
  | { type: 'clear' };

const sameItem = (a: SelectableItem, b: SelectableItem) => a.sourceId === b.sourceId && a.itemKey === b.itemKey;

function selectedItems(selection: Selection): SelectableItem[] {
  return selection.kind === 'items' ? selection.items : [];
}

function itemsOrNothing(items: SelectableItem[]): Selection {
  return items.length === 0 ? wholeService : { kind: 'items', items };
}

export function isSelected(selection: Selection, item: SelectableItem): boolean {
  return selectedItems(selection).some((selected) => sameItem(selected, item));
}

/** True when every row given is selected (and there is at least one): the page checkbox's state. */
export function isPageSelected(selection: Selection, items: SelectableItem[]): boolean {
  return items.length > 0 && items.every((item) => isSelected(selection, item));
}

/** A row checkbox: adds or removes the item; picking rows replaces a label, folder or query. */
export function toggle(selection: Selection, item: SelectableItem): Selection {
  const items = selectedItems(selection);
  return isSelected(selection, item)
    ? itemsOrNothing(items.filter((selected) => !sameItem(selected, item)))
    : { kind: 'items', items: [...items, item] };
}

/** The page checkbox: selects every row shown (keeping others selected), or clears them. */
export function selectPage(selection: Selection, page: SelectableItem[], selected: boolean): Selection {
  const others = selectedItems(selection).filter((item) => !page.some((row) => sameItem(row, item)));
  return itemsOrNothing(selected ? [...others, ...page] : others);
}

export function selectionReducer(selection: Selection, action: SelectionAction): Selection {
  switch (action.type) {
    case 'toggle':
      return toggle(selection, action.item);
    case 'page':
      return selectPage(selection, action.items, action.selected);
    case 'label':
      return { kind: 'label', labelId: action.labelId, name: action.name };
    case 'folder':
      return { kind: 'folder', folderKey: action.folderKey, name: action.name, path: action.path };
    case 'query':
      return { kind: 'query', query: action.query };
    case 'clear':
      return wholeService;
  }
}

const nouns: Record<Service, [string, string]> = {
  gmail: ['message', 'messages'],
  drive: ['file', 'files'],
  calendar: ['event', 'events'],
  contacts: ['contact', 'contacts'],
};
const serviceNames: Record<Service, string> = {
  gmail: 'Mail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};

/** What the Restore and Export buttons and dialogs say is selected. */
export function describeSelection(selection: Selection, service: Service): string {
  switch (selection.kind) {
    case 'service':
      return `All of ${serviceNames[service]}`;
    case 'items': {
      const [one, many] = nouns[service];
      return selection.items.length === 1
        ? `1 ${one}: ${selection.items[0]?.title}`
        : `${selection.items.length} ${many}`;
    }
    case 'label':
      return `The label ${selection.name}`;
    case 'folder':
      return `The folder ${selection.name} and everything in it`;
    case 'query':
      return `Everything matching ${selection.query}`;
  }
}

/**
 * Selected items of another service than the tab's (search results span services): a restore or
 * export acts on one service, so these would be refused or lost; the page says so instead.
 */
export function itemsOfOtherServices(selection: Selection, service: Service): SelectableItem[] {
  return selectedItems(selection).filter((item) => item.service !== service);
}

/** The restore API's narrowing for a selection (nothing for the whole service). */
export function restoreNarrowing(selection: Selection): {
  items?: string[];
  label?: string;
  folder?: string;
  query?: string;
} {
  switch (selection.kind) {
    case 'service':
      return {};
    case 'items':
      return { items: selection.items.map((item) => item.itemKey) };
    case 'label':
      return { label: selection.labelId };
    case 'folder':
      return { folder: selection.path };
    case 'query':
      return { query: selection.query };
  }
}
