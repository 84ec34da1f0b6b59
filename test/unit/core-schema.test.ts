// The JSON reading shared by every msat file format (src/core/schema.ts): duplicate keys found wherever they
// are (escaped spellings included), JSON paths written as people read them, and one-line messages naming the
// file, the path and what was found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { finite, findDuplicateKey, formatJsonPath, integer, isMsatError, list, parseJsonFile, record, text, uniqueBy } from '../../src/core/index.js';

test('findDuplicateKey: the path of the first repeated key in one object, escapes and nesting included', () => {
  assert.equal(findDuplicateKey('{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}'), undefined, 'equal keys in different objects are fine');
  assert.deepEqual(findDuplicateKey('{"a": 1, "a": 2}'), ['a']);
  assert.deepEqual(findDuplicateKey('{"x": {"y": [0, {"k": 1, "\\u006b": 2}]}}'), ['x', 'y', 1, 'k']);
  assert.deepEqual(
    findDuplicateKey('{"s": "a \\" {\\"a\\": 1, \\"a\\": 2}", "t": [[], {}], "t": 0}'),
    ['t'],
    'braces and quotes inside strings are text',
  );
  assert.equal(findDuplicateKey('[1, "a", {"a": null}, {"a": true}]'), undefined);
});

test('formatJsonPath: dots for names, brackets for indices and odd keys', () => {
  assert.equal(formatJsonPath(['options', 'neuron', 'hp', 'alpha']), 'options.neuron.hp.alpha');
  assert.equal(formatJsonPath(['runs', 2, 'traces', 0, 'membrane']), 'runs[2].traces[0].membrane');
  assert.equal(formatJsonPath([0, 'a b', 'c']), '[0]["a b"].c');
  assert.equal(formatJsonPath([]), '');
});

const schema = record({
  name: text(),
  count: integer(1),
  items: v.pipe(
    list(record({ id: text(), value: finite() })),
    uniqueBy((i) => i.id, 'id', 'item'),
  ),
});
const parse = (json: string) => parseJsonFile({ file: 'f.json', code: 'SNN_FILE' }, json, schema);
const fails = (json: string, message: string | RegExp) =>
  assert.throws(
    () => parse(json),
    (e: unknown) => {
      assert.ok(isMsatError(e), String(e));
      assert.equal(e.code, 'SNN_FILE');
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );

test('parseJsonFile: the value typed, or one line naming the file, the path and what was found', () => {
  assert.deepEqual(parse('{"name": "n", "count": 2, "items": [{"id": "a", "value": 1.5}]}'), {
    name: 'n',
    count: 2,
    items: [{ id: 'a', value: 1.5 }],
  });
  fails('{"name": "n", "count": 2,', /^f\.json: not valid JSON \(.*position 25.*\)$/);
  fails('{"name": "n", "name": "m", "count": 2, "items": []}', 'f.json: name: duplicate key (JSON would keep only the last one)');
  fails('{"count": 2, "items": []}', 'f.json: name: expected a string, got nothing (missing)');
  fails('{"name": "n", "count": "3", "items": []}', 'f.json: count: expected a whole number ≥ 1, got "3"');
  fails('{"name": "n", "count": 0, "items": []}', 'f.json: count: expected a whole number ≥ 1, got 0');
  fails('{"name": "n", "count": 1, "items": [{"id": "a", "value": 1e999}]}', 'f.json: items[0].value: expected a finite number, got Infinity');
  fails(
    '{"name": "n", "count": 1, "items": [{"id": "a", "value": 1}, {"id": "a", "value": 2}]}',
    'f.json: items[1].id: item "a" appears twice (also at [0])',
  );
  fails('{"name": "n", "count": 1, "items": [], "extra": 1}', 'f.json: extra: unknown field (known: name, count, items)');
  fails('[]', 'f.json: the document: expected an object, got an array of 0');
  fails('{"name": null, "count": 1, "items": {}}', 'f.json: name: expected a string, got null');
});
