/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys without a word, so a hand-edited
 * file with `"alpha"` twice would silently mean the second one; readers refuse it instead.
 */

/** One level of nesting: an object (its keys so far, the current key) or an array (the current index). */
type Frame = { readonly keys: Set<string>; key: string | undefined; expectKey: boolean } | { readonly keys: undefined; index: number };

/**
 * The path (keys and array indices) of the first key that repeats within one object of `text`, or undefined.
 * `text` must be valid JSON (parse it first): only strings and brackets are tracked. Keys are compared after
 * unescaping, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateKey(text: string): (string | number)[] | undefined {
  const stack: Frame[] = [];
  const path = (last: string): (string | number)[] => [...stack.slice(0, -1).map((f) => (f.keys ? f.key! : f.index)), last];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let escaped = false;
      while (text[j] !== '"') j += text[j] === '\\' ? ((escaped = true), 2) : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key)) return path(key);
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ keys: new Set(), key: undefined, expectKey: true });
    else if (c === '[') stack.push({ keys: undefined, index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}

/** `["options", "neuron", "hp", "alpha"]` → `options.neuron.hp.alpha`; indices as `[0]`, odd keys as `["a b"]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
