/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per dimension, then the data.
 * Only unsigned-byte data (type 0x08) occurs in these datasets, so only it is read.
 */
import { MsatError, sizeOf } from '../core/index.js';

/** A parsed IDX file: its dimensions and a view of its data bytes (no copy). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Magic numbers of the two kinds of IDX file the datasets use. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/**
 * Parses `bytes` as an IDX file with magic `expectedMagic`. A wrong magic, a short header or a size that
 * disagrees with the header is `DATA_CORRUPT`, naming `file`, the expected byte count and the found count.
 *
 * @param file name used in messages
 * @param compressed whether `bytes` were gunzipped (messages then speak of the decompressed size)
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, file: string, compressed = false): IdxArray {
  const sizeWord = compressed ? 'decompressed size' : 'size';
  if (bytes.length < 4) {
    throw new MsatError('DATA_CORRUPT', `${file}: IDX file is ${bytes.length} bytes, too short for its 4-byte magic number; the file is truncated`);
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (magic !== expectedMagic) {
    throw new MsatError(
      'DATA_CORRUPT',
      `${file}: IDX magic number is ${hex(magic)}, expected ${hex(expectedMagic)} ` +
        `(${expectedMagic === IDX_IMAGES_MAGIC ? 'unsigned-byte images, 3 dimensions' : 'unsigned-byte labels, 1 dimension'})`,
    );
  }
  const ndim = bytes[3];
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new MsatError(
      'DATA_CORRUPT',
      `${file}: IDX header needs ${headerSize} bytes but the file's ${sizeWord} is ${bytes.length} bytes; the file is truncated`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = headerSize + sizeOf(dims);
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'the file is truncated' : 'the file has trailing bytes';
    throw new MsatError(
      'DATA_CORRUPT',
      `${file}: IDX header says [${dims.join('×')}], so the file's ${sizeWord} should be ${expected} bytes, ` +
        `but it is ${bytes.length} bytes; ${what}`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}
