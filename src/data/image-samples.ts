/**
 * Samples stored as one image file each (image folders, lossless samples): decoded per batch, a few files at
 * a time, because decoding, not reading, is the cost of these datasets.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { MsatError } from '../core/index.js';
import type { SampleReader } from './batched-dataset.js';
import type { ResizeSpec } from './dataset.js';
import { readFileBytesSync } from './files.js';
import { decodeImageBytes, decodeImageFile, probeImageChannels, type RawImage } from './image-decode.js';
import { normalizeHwc, type NormalizationTables } from './normalize.js';

/** What every file of one dataset decodes to. */
export interface ImageSampleShape {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/**
 * Runs `fn` over `count` items with at most `limit` in flight (sharp decodes on the thread pool), rejecting
 * with the first failure. Every item starts in a fresh macrotask: the built-in JPEG decoder runs on the main
 * thread, and without these yields reading batch k+1 ahead would block the caller's use of batch k (an
 * onnxruntime run, say) instead of filling the gaps while it awaits.
 */
async function forEachLimited(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      await nextMacrotask();
      if (next < count) await fn(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/**
 * Decodes `file` and checks it against the dataset's shape: channel counts are converted (a gray JPEG in an
 * RGB set, as ImageNet has), a different size without `resize` is `DATA_SHAPE`.
 */
export async function decodeSample(file: string, shape: ImageSampleShape, resize: ResizeSpec | undefined): Promise<RawImage> {
  const img = await decodeImageBytes(readFileBytesSync(file), file, { channels: shape.channels, resize });
  if (img.width !== shape.width || img.height !== shape.height) {
    throw new MsatError(
      'DATA_SHAPE',
      `${file}: image is ${img.width}×${img.height} but the dataset's first image is ${shape.width}×${shape.height}; ` +
        'all images must have one size, or pass imageSize (--image-size) to resize them',
    );
  }
  return img;
}

/** A reader that decodes `files[position]` for each requested position. */
export function createImageSampleReader(
  files: readonly string[],
  shape: ImageSampleShape,
  luts: NormalizationTables,
  resize: ResizeSpec | undefined,
  concurrency: number,
): SampleReader {
  const pixels = shape.width * shape.height;
  const sampleSize = pixels * shape.channels;
  return {
    read(positions: Int32Array, dst: Float32Array): Promise<void> {
      return forEachLimited(positions.length, concurrency, async (j) => {
        const img = await decodeSample(files[positions[j]], shape, resize);
        normalizeHwc(img.data, dst, j * sampleSize, pixels, luts);
      });
    },
  };
}

/**
 * The sample shape of a dataset: decided by its first image (after resize), because a whole dataset must
 * share one shape and one channel count. Gray first image → 1 channel, anything else → 3.
 */
export async function probeImageShape(firstFile: string, resize: ResizeSpec | undefined): Promise<ImageSampleShape> {
  const channels = await probeImageChannels(firstFile);
  const img = await decodeImageFile(firstFile, { channels, resize });
  return { channels, height: img.height, width: img.width };
}
