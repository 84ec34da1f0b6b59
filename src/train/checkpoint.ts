/**
 * Checkpoints: a JSON file (format, epoch, step, the run's resolved configuration, history, and where each
 * state tensor sits) beside a binary file of raw little-endian float32 values (parameters, running statistics,
 * optimizer slots). Raw float32 bytes make resume bit-for-bit: nothing is rounded through text.
 *
 * Random state: every random stream of a run is derived from (seed, purpose, epoch) (see `rng.ts`), so at an
 * epoch boundary the seed and the epoch count *are* the RNG state; the checkpoint records both.
 *
 * Commit: both files are written to temporary names, the header is renamed into place (the commit point), then
 * the binary. The header records the byte size and SHA-256 of its binary, so a kill between the two renames is
 * recognised on load (the binary does not match, or is missing after a first save) and the pending `.bin.tmp`
 * that does is read instead; any other mismatch is refused. A kill before the header's rename leaves the previous
 * checkpoint whole. A resumed run finishes such an interrupted commit (`complete`) before it saves again.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as v from 'valibot';
import {
  finite,
  integer,
  list,
  MsatError,
  openRecord,
  parseJsonFile,
  pathTo,
  readRegularFile,
  record,
  sha256Hex,
  text,
  uniqueBy,
  type Infer,
} from '../core/index.js';
import { epochRecordSchema } from './train-options.js';

export const CHECKPOINT_FORMAT = 'msat-checkpoint';
/** 2 records the binary's size and SHA-256; version 1 files (without them) still load. */
export const CHECKPOINT_VERSION = 2;

const tensorSchema = record({
  name: text(),
  dims: list(integer(0)),
  /** Offset in float32 elements into the binary file. */
  offset: integer(0),
});

const headerSchema = v.pipe(
  record({
    format: v.literal(
      CHECKPOINT_FORMAT,
      (i) => `is ${JSON.stringify(i.input) ?? 'missing'}; not an msat checkpoint (expected "${CHECKPOINT_FORMAT}")`,
    ),
    version: v.picklist([1, CHECKPOINT_VERSION], `expected version 1 or ${CHECKPOINT_VERSION} (written by another msat)`),
    /** Epochs completed. */
    epoch: integer(0),
    /** Optimizer steps taken. */
    step: integer(0),
    /** The seed every random stream derives from, with the epoch. */
    rng: record({
      seed: v.pipe(finite('an integer'), v.integer('expected an integer')),
      epoch: integer(0),
      scheme: v.literal('derived-per-epoch', 'expected "derived-per-epoch"'),
    }),
    /** The trainer's configuration; the trainer checks its values (`resolveTrainConfig`). */
    config: openRecord({}),
    history: list(epochRecordSchema),
    /** The binary file's name, relative to the JSON file, its size in bytes and SHA-256 (version 2). */
    data: text(),
    dataBytes: v.optional(integer(0)),
    dataSha256: v.optional(sha256Hex()),
    tensors: v.pipe(
      list(tensorSchema),
      uniqueBy((t) => t.name, 'name', 'tensor'),
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const h = dataset.value;
    if (h.rng.epoch !== h.epoch)
      return addIssue({ message: `expected the checkpoint's epoch (${h.epoch}), got ${h.rng.epoch}`, path: pathTo(h, 'rng', 'epoch') });
    if (h.version >= 2 && h.dataBytes === undefined)
      return addIssue({ message: 'expected the size of the binary file, got nothing (missing)', path: pathTo(h, 'dataBytes') });
    if (h.version >= 2 && h.dataSha256 === undefined)
      return addIssue({ message: 'expected the SHA-256 of the binary file, got nothing (missing)', path: pathTo(h, 'dataSha256') });
    // Tensors are written back to back in order, so each starts where the one before ends.
    let offset = 0;
    for (const [i, t] of h.tensors.entries()) {
      if (t.offset !== offset)
        return addIssue({ message: `expected ${offset} (right after the tensor before), got ${t.offset}`, path: pathTo(h, 'tensors', i, 'offset') });
      offset += t.dims.reduce((a, b) => a * b, 1);
    }
  }),
);

type Header = Infer<typeof headerSchema>;
export type CheckpointTensorEntry = Header['tensors'][number];

/** What the JSON file holds. `config` is the trainer's own JSON value. */
export type CheckpointHeader<Config = unknown> = Omit<Header, 'config'> & { readonly config: Config };

export interface Checkpoint<Config = unknown> {
  readonly header: CheckpointHeader<Config>;
  readonly state: Map<string, Float32Array>;
}

/**
 * Writes `<path>` (JSON) and `<path without .json>.bin`. `state` tensors are written in the order of `dims`.
 * Returns the JSON path.
 */
export async function saveCheckpoint<C>(
  path: string,
  header: Omit<CheckpointHeader<C>, 'format' | 'version' | 'data' | 'dataBytes' | 'dataSha256' | 'tensors'>,
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
  const bytes = littleEndianBytes(all);
  const full: CheckpointHeader<C> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...header,
    data: binName,
    dataBytes: bytes.byteLength,
    dataSha256: sha256(bytes),
    tensors,
  };
  const binPath = join(dirname(path), binName);
  await writeFile(`${binPath}.tmp`, bytes);
  await writeFile(`${path}.tmp`, JSON.stringify(full, null, 1) + '\n');
  await rename(`${path}.tmp`, path);
  await rename(`${binPath}.tmp`, binPath);
  return path;
}

/**
 * Reads a checkpoint written by `saveCheckpoint`, the header checked against its schema and the binary against
 * the header (or, after a save interrupted between its renames, the pending binary that matches). With
 * `complete`, that pending binary is also renamed into place, finishing the interrupted save.
 * @throws MsatError `TRAIN_CHECKPOINT` for a missing, foreign, damaged, truncated or mismatched checkpoint.
 */
export async function loadCheckpoint<C>(path: string, options: { readonly complete?: boolean } = {}): Promise<Checkpoint<C>> {
  let text: string;
  try {
    text = await readRegularFile(path, 'utf8');
  } catch (e) {
    throw new MsatError('TRAIN_CHECKPOINT', `${path}: cannot read the checkpoint: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const header = parseJsonFile(
    { file: path, code: 'TRAIN_CHECKPOINT', expected: 'expected a checkpoint.json written by msat train' },
    text,
    headerSchema,
  );
  const binPath = join(dirname(path), header.data);
  let bytes: Buffer | undefined;
  let unreadable: unknown;
  try {
    bytes = await readRegularFile(binPath);
  } catch (e) {
    unreadable = e;
  }
  const belongs = (b: Buffer) => header.dataSha256 === undefined || (b.length === header.dataBytes && sha256(b) === header.dataSha256);
  if (bytes === undefined || !belongs(bytes)) {
    // A kill between the renames of the first save leaves no binary at all, only the pending one.
    const pending = header.dataSha256 === undefined ? undefined : await readFile(`${binPath}.tmp`).catch(() => undefined);
    if (pending && belongs(pending)) {
      bytes = pending;
      // The resumed run's next save writes its binary to the same `.bin.tmp`: a kill during that write would tear
      // the only copy of these tensors and leave the checkpoint unloadable. Renaming it into place now finishes
      // the interrupted save first. Reading needs no write access, so a folder that refuses the rename still loads.
      if (options.complete) await rename(`${binPath}.tmp`, binPath).catch(() => undefined);
    } else if (bytes === undefined) {
      throw new MsatError(
        'TRAIN_CHECKPOINT',
        `${binPath}: cannot read the checkpoint's tensors: ${unreadable instanceof Error ? unreadable.message : String(unreadable)}`,
        { cause: unreadable },
      );
    } else {
      tensorsFit(header, bytes, binPath);
      throw new MsatError(
        'TRAIN_CHECKPOINT',
        `${binPath} does not belong to ${path}: it has ${bytes.length} bytes with SHA-256 ${sha256(bytes).slice(0, 12)}…, the header records ` +
          `${header.dataBytes} bytes with ${header.dataSha256!.slice(0, 12)}… (a save was interrupted, or the files come from different saves); ` +
          'resume from another checkpoint or start the run again',
      );
    }
  }
  const values = tensorsFit(header, bytes, binPath);
  const state = new Map<string, Float32Array>();
  for (const t of header.tensors) state.set(t.name, values.slice(t.offset, t.offset + t.dims.reduce((a, b) => a * b, 1)));
  return { header: header as CheckpointHeader<C>, state };
}

/** The binary's float32 values, if every tensor of the header fits in them. */
function tensorsFit(header: Header, bytes: Uint8Array, binPath: string): Float32Array {
  const values = fromLittleEndian(bytes);
  for (const t of header.tensors) {
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (t.offset + size > values.length) {
      throw new MsatError(
        'TRAIN_CHECKPOINT',
        `${binPath} is truncated: tensor ${t.name} needs float32 values ${t.offset}..${t.offset + size}, the file has ${values.length}`,
      );
    }
  }
  return values;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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
