/**
 * Checkpoints: a JSON file (format, epoch, step, the run's resolved configuration, history, and where each
 * state tensor sits) beside a binary file of raw little-endian float32 values (parameters, running statistics,
 * optimizer slots). Raw float32 bytes make resume bit-for-bit: nothing is rounded through text.
 *
 * Random state: every random stream of a run is derived from (seed, purpose, epoch) (see `rng.ts`), so at an
 * epoch boundary the seed and the epoch count *are* the RNG state; the checkpoint records both.
 *
 * Writes go to temporary files renamed into place, so a run killed while saving leaves the previous checkpoint.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MsatError } from '../core/index.js';

export const CHECKPOINT_FORMAT = 'msat-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointTensorEntry {
  readonly name: string;
  readonly dims: readonly number[];
  /** Offset in float32 elements into the binary file. */
  readonly offset: number;
}

/** What the JSON file holds. `config` and `history` are the trainer's own JSON values. */
export interface CheckpointHeader<Config = unknown, History = unknown> {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  /** Epochs completed. */
  readonly epoch: number;
  /** Optimizer steps taken. */
  readonly step: number;
  /** The seed every random stream derives from, with the epoch. */
  readonly rng: { readonly seed: number; readonly epoch: number; readonly scheme: 'derived-per-epoch' };
  readonly config: Config;
  readonly history: History;
  /** The binary file's name, relative to the JSON file. */
  readonly data: string;
  readonly tensors: readonly CheckpointTensorEntry[];
}

export interface Checkpoint<Config = unknown, History = unknown> {
  readonly header: CheckpointHeader<Config, History>;
  readonly state: Map<string, Float32Array>;
}

/**
 * Writes `<path>` (JSON) and `<path without .json>.bin`. `state` tensors are written in the order of `dims`.
 * Returns the JSON path.
 */
export async function saveCheckpoint<C, H>(
  path: string,
  header: Omit<CheckpointHeader<C, H>, 'format' | 'version' | 'data' | 'tensors'>,
  state: ReadonlyMap<string, Float32Array>,
  dims: ReadonlyMap<string, readonly number[]>,
): Promise<string> {
  const binName = `${basename(path).replace(/\.json$/, '')}.bin`;
  const tensors: CheckpointTensorEntry[] = [];
  let offset = 0;
  for (const [name, d] of dims) {
    tensors.push({ name, dims: [...d], offset });
    offset += state.get(name)!.length;
  }
  const all = new Float32Array(offset);
  for (const t of tensors) all.set(state.get(t.name)!, t.offset);
  const full: CheckpointHeader<C, H> = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...header, data: binName, tensors };
  const binPath = join(dirname(path), binName);
  await writeFile(`${binPath}.tmp`, littleEndianBytes(all));
  await writeFile(`${path}.tmp`, JSON.stringify(full, null, 1) + '\n');
  await rename(`${binPath}.tmp`, binPath);
  await rename(`${path}.tmp`, path);
  return path;
}

/**
 * Reads a checkpoint written by `saveCheckpoint`.
 * @throws MsatError `TRAIN_CHECKPOINT` for a missing, foreign or truncated checkpoint.
 */
export async function loadCheckpoint<C, H>(path: string): Promise<Checkpoint<C, H>> {
  let header: CheckpointHeader<C, H>;
  try {
    header = JSON.parse(await readFile(path, 'utf8')) as CheckpointHeader<C, H>;
  } catch (e) {
    throw new MsatError('TRAIN_CHECKPOINT', `${path}: cannot read the checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (header.format !== CHECKPOINT_FORMAT || header.version !== CHECKPOINT_VERSION) {
    throw new MsatError('TRAIN_CHECKPOINT', `${path}: not an msat checkpoint (format ${JSON.stringify(header.format)}, version ${header.version}); expected ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION}`);
  }
  const binPath = join(dirname(path), header.data);
  let bytes: Buffer;
  try {
    bytes = await readFile(binPath);
  } catch (e) {
    throw new MsatError('TRAIN_CHECKPOINT', `${binPath}: cannot read the checkpoint's tensors: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const values = fromLittleEndian(bytes);
  const state = new Map<string, Float32Array>();
  for (const t of header.tensors) {
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (t.offset + size > values.length) {
      throw new MsatError('TRAIN_CHECKPOINT', `${binPath} is truncated: tensor ${t.name} needs float32 values ${t.offset}..${t.offset + size}, the file has ${values.length}`);
    }
    state.set(t.name, values.slice(t.offset, t.offset + size));
  }
  return { header, state };
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => out.setFloat32(i * 4, v, true));
  return new Uint8Array(out.buffer);
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const n = Math.floor(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
