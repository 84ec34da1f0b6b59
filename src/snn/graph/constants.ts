/** Constant initializers of an emitted graph, created once per value and shared by every node that needs them. */
import type { GraphBuilder } from '../../onnx/index.js';

/** Emits float32 scalar constants once per builder and value. */
export class Constants {
  readonly #b: GraphBuilder;
  readonly #names = new Map<number, string>();

  constructor(b: GraphBuilder) {
    this.#b = b;
  }

  readonly #ints = new Map<string, string>();

  /** An int64 vector initializer, shared by name (shapes, axes). */
  int64(key: string, values: readonly number[]): string {
    let name = this.#ints.get(key);
    if (!name) {
      name = this.#b.initializer(key, { type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
      this.#ints.set(key, name);
    }
    return name;
  }

  scalar(value: number): string {
    let name = this.#names.get(value);
    if (!name) {
      name = this.#b.initializer(`const_${this.#names.size}`, { type: 'float32', dims: [], data: Float32Array.of(value) });
      this.#names.set(value, name);
    }
    return name;
  }
}
