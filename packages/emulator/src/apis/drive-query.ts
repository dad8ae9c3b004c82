// Drive's `q` search language for files.list: comparisons on name, mimeType, trashed, starred,
// modifiedTime; 'x' in parents/owners/writers/readers; appProperties/properties has {...};
// combined with and/or/not and parentheses.
import type { DriveFile } from '../state.ts';

export interface QueryScope {
  user: string;
  rootFolderId: string;
  sharedWithMe(file: DriveFile): boolean;
}

type Predicate = (file: DriveFile) => boolean;

function tokenize(q: string): string[] | undefined {
  const tokens: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      while (i < q.length && q.charAt(i) !== "'") {
        if (q.charAt(i) === '\\' && i + 1 < q.length) i++;
        value += q.charAt(i++);
      }
      if (i >= q.length) return undefined;
      i++;
      tokens.push(`'${value}`);
    } else if ('(){}'.includes(c)) {
      tokens.push(c);
      i++;
    } else if ('=!<>'.includes(c)) {
      let op = c;
      i++;
      if (q.charAt(i) === '=') op += q.charAt(i++);
      tokens.push(op);
    } else {
      let word = '';
      while (i < q.length && !/[\s(){}=!<>']/.test(q.charAt(i))) word += q.charAt(i++);
      tokens.push(word);
    }
  }
  return tokens;
}

export function compileDriveQuery(q: string, scope: QueryScope): Predicate | undefined {
  const tokens = tokenize(q);
  if (!tokens) return undefined;
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];
  const isString = (token: string | undefined) => token?.startsWith("'") ?? false;

  function compare(a: string | number, op: string, b: string | number): boolean {
    switch (op) {
      case '=':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      default:
        return false;
    }
  }

  function hasClause(field: 'appProperties' | 'properties'): Predicate | undefined {
    if (take() !== '{') return undefined;
    let key: string | undefined;
    let value: string | undefined;
    while (peek() !== '}' && peek() !== undefined) {
      const name = take();
      if (take() !== '=') return undefined;
      const literal = take();
      if (!isString(literal)) return undefined;
      if (name === 'key') key = literal?.slice(1);
      else if (name === 'value') value = literal?.slice(1);
      else return undefined;
      if (peek() === 'and') take();
    }
    if (take() !== '}' || key === undefined) return undefined;
    return (file) => (value === undefined ? key in file[field] : file[field][key] === value);
  }

  function term(): Predicate | undefined {
    const token = take();
    if (token === undefined) return undefined;
    if (token === 'not') {
      const inner = term();
      return inner ? (file) => !inner(file) : undefined;
    }
    if (token === '(') {
      const inner = expression();
      if (!inner || take() !== ')') return undefined;
      return inner;
    }
    if (token === 'sharedWithMe') return (file) => scope.sharedWithMe(file);
    if (isString(token)) {
      const literal = token.slice(1);
      if (take() !== 'in') return undefined;
      const collection = take();
      const who = literal === 'me' ? scope.user : literal.toLowerCase();
      switch (collection) {
        case 'parents': {
          const id = literal === 'root' ? scope.rootFolderId : literal;
          return (file) => file.parents.includes(id);
        }
        case 'owners':
          return (file) => file.ownerEmail === who;
        case 'writers':
          return (file) =>
            file.ownerEmail === who ||
            file.permissions.some((p) => p.emailAddress === who && (p.role === 'writer' || p.role === 'owner'));
        case 'readers':
          return (file) => file.ownerEmail === who || file.permissions.some((p) => p.emailAddress === who);
        default:
          return undefined;
      }
    }
    const field = token;
    if (field === 'appProperties' || field === 'properties') {
      if (take() !== 'has') return undefined;
      return hasClause(field);
    }
    const op = take();
    if (op === undefined) return undefined;
    const literal = take();
    if (literal === undefined) return undefined;
    switch (field) {
      case 'name':
      case 'mimeType':
      case 'fullText': {
        if (!isString(literal)) return undefined;
        const value = literal.slice(1);
        if (op === 'contains') {
          const lower = value.toLowerCase();
          return field === 'mimeType'
            ? (file) => file.mimeType.includes(value)
            : (file) => file.name.toLowerCase().includes(lower);
        }
        if (!['=', '!='].includes(op)) return undefined;
        return (file) => compare(field === 'mimeType' ? file.mimeType : file.name, op, value);
      }
      case 'trashed':
      case 'starred': {
        if (literal !== 'true' && literal !== 'false') return undefined;
        if (!['=', '!='].includes(op)) return undefined;
        const wanted = literal === 'true';
        return (file) => compare(String(file[field]), op, String(wanted));
      }
      case 'modifiedTime':
      case 'createdTime': {
        if (!isString(literal)) return undefined;
        const time = Date.parse(literal.slice(1));
        if (Number.isNaN(time)) return undefined;
        return (file) => compare(file[field], op, time);
      }
      default:
        return undefined;
    }
  }

  function conjunction(): Predicate | undefined {
    let left = term();
    while (left && peek() === 'and') {
      take();
      const right = term();
      if (!right) return undefined;
      const l = left;
      left = (file) => l(file) && right(file);
    }
    return left;
  }

  function expression(): Predicate | undefined {
    let left = conjunction();
    while (left && peek() === 'or') {
      take();
      const right = conjunction();
      if (!right) return undefined;
      const l = left;
      left = (file) => l(file) || right(file);
    }
    return left;
  }

  const predicate = expression();
  return predicate && position === tokens.length ? predicate : undefined;
}
