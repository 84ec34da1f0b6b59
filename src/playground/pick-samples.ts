/**
 * The test samples the page embeds: from the dataset the model was trained on (its `msat.dataset` metadata,
 * else the dataset whose samples have the model's input shape), the first test sample of each class in turn,
 * normalised by msat's own data loader, so the page feeds the SNNs exactly what `msat simulate` feeds them.
 */
import { openDataset } from '../data/index.js';
import type { ManifestSample } from './page/manifest.js';

/** Datasets tried, by the input shape they have. */
const BY_SHAPE: Readonly<Record<string, readonly string[]>> = {
  '1,28,28': ['mnist', 'fashion-mnist'],
  '3,32,32': ['cifar10', 'cifar100'],
};

export interface PickedSamples {
  /** `mnist, test split`, or undefined when no dataset could be read. */
  readonly dataset?: string;
  readonly samples: readonly ManifestSample[];
  readonly classNames: readonly string[];
  /** Why no samples were embedded, when none were. */
  readonly note?: string;
}

/** Up to `count` samples of shape `dims`, one per class first; candidates that are not installed are skipped. */
export async function pickSamples(
  dims: readonly number[],
  count: number,
  normalization: { readonly mean?: readonly number[]; readonly std?: readonly number[] },
  preferred?: string,
): Promise<PickedSamples> {
  const candidates = [...new Set([...(preferred ? [preferred] : []), ...(BY_SHAPE[dims.join(',')] ?? [])])];
  const tried: string[] = [];
  for (const name of candidates) {
    let dataset;
    try {
      dataset = await openDataset(name, { split: 'test', limit: 1000, mean: normalization.mean, std: normalization.std });
    } catch (e) {
      tried.push(`${name} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      continue;
    }
    if (dataset.sampleShape.join(',') !== dims.join(',')) {
      tried.push(`${name} (samples ${dataset.sampleShape.join('×')}, the model takes ${dims.join('×')})`);
      continue;
    }
    const samples: ManifestSample[] = [];
    const seen = new Set<number>();
    const size = dims.reduce((a, d) => a * d, 1);
    let index = 0;
    for await (const { x, labels } of dataset.batches(100)) {
      for (let i = 0; i < labels.length && samples.length < count; i++, index++) {
        // one per class first; once every class is in, the rest in dataset order
        if (seen.has(labels[i]) && seen.size < Math.min(count, dataset.classes.length)) continue;
        seen.add(labels[i]);
        const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset + i * size * 4, size * 4);
        samples.push({ index, label: labels[i], x: Buffer.from(bytes).toString('base64') });
      }
      if (samples.length >= count) break;
    }
    return { dataset: `${name}, test split`, samples, classNames: dataset.classes };
  }
  return {
    samples: [],
    classNames: [],
    note: candidates.length ? `no test samples: ${tried.join('; ')}` : `no dataset known for inputs of shape ${dims.join('×')}`,
  };
}
