// Google's `fields` partial-response syntax ("files(id,name),nextPageToken", "a/b", "*"), applied
// to JSON results.

export type FieldTree = Map<string, FieldTree | true>;

/** Parses a fields expression; undefined when malformed. */
export function parseFields(expression: string): FieldTree | undefined {
  let position = 0;
  const text = expression.replace(/\s+/g, '');
  function parseList(): FieldTree | undefined {
    const tree: FieldTree = new Map();
    while (position < text.length) {
      let name = '';
      while (position < text.length && !',()'.includes(text.charAt(position))) name += text.charAt(position++);
      if (!name) return undefined;
      let node: FieldTree | true = true;
      if (text.charAt(position) === '(') {
        position++;
        const inner = parseList();
        if (!inner || text.charAt(position) !== ')') return undefined;
        position++;
        node = inner;
      }
      // a/b/c is shorthand for a(b(c))
      const path = name.split('/');
      let target = tree;
      for (let i = 0; i < path.length - 1; i++) {
        const key = path[i] ?? '';
        const existing = target.get(key);
        const next: FieldTree = existing instanceof Map ? existing : new Map();
        target.set(key, next);
        target = next;
      }
      const last = path[path.length - 1] ?? '';
      const existing = target.get(last);
      if (existing instanceof Map && node instanceof Map) for (const [k, v] of node) existing.set(k, v);
      else target.set(last, node);
      if (text.charAt(position) === ',') position++;
      else if (text.charAt(position) === ')') return tree;
    }
    return tree;
  }
  const tree = parseList();
  return tree && position >= text.length ? tree : undefined;
}

export function applyFields(value: unknown, tree: FieldTree | true): unknown {
  if (tree === true || tree.has('*')) return value;
  if (Array.isArray(value)) return value.map((item) => applyFields(item, tree));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = applyFields(item, sub);
  }
  return out;
}
