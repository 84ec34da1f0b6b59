/**
 * Samples held in memory as raw bytes, planar (CHW) and contiguous: what IDX and CIFAR binary files store.
 * These formats are small enough (MNIST train 47 MB, CIFAR-10 train 150 MB) that reading them whole once is
 * faster and simpler than seeking per sample; normalization to float32 happens per batch.
 */
import type { SampleReader } from './batched-dataset.js';
import { normalizeChw, type NormalizationTables } from './normalize.js';

/**
 * A reader over `pixels`, which holds sample `i` at `[i · C·H·W, (i+1) · C·H·W)`.
 * `pixelsPerChannel` is H·W; the number of channels is `luts.length`.
 */
export function createByteSampleReader(pixels: Uint8Array, pixelsPerChannel: number, luts: NormalizationTables): SampleReader {
  const sampleSize = pixelsPerChannel * luts.length;
  return {
    read(positions: Int32Array, dst: Float32Array): Promise<void> {
      for (let j = 0; j < positions.length; j++) {
        normalizeChw(pixels, positions[j] * sampleSize, dst, j * sampleSize, pixelsPerChannel, luts);
      }
      return Promise.resolve();
    },
  };
}
