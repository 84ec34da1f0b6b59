/**
 * The SNN file of a conversion, assembled in one place for every caller (`msat convert`, the library's
 * `ConvertedSnn.save`, `msat experiment`): the model, λ, the plan, the neuron config and normalisation that
 * become the defaults of a later simulation, how λ were calibrated, and provenance.
 */
import { MSAT_VERSION } from '../core/index.js';
import { createSnnFile, type SnnFile } from '../convert/index.js';
import type { ConvertedModel } from './convert-model.js';
import type { NeuronConfig } from '../snn/index.js';

/** Who made the file: the time (callers pass it: library code reads no clock) and, from the CLI, the command. */
export interface SnnFileOrigin {
  readonly createdAt: string;
  readonly command?: string;
}

/** The SNN file of `converted`; `neuron` is recorded as the default converter when given. */
export function convertedSnnFile(converted: ConvertedModel, neuron: NeuronConfig | undefined, origin: SnnFileOrigin): SnnFile<object> {
  const calibration = converted.calibrationSource;
  return createSnnFile({
    model: { path: converted.model.path ?? converted.network.source, sha256: converted.modelSha256 },
    calibration: converted.calibration,
    plan: converted.plan,
    options: {
      ...(neuron ? { neuron } : {}),
      normalization: converted.dataOptions,
      ...(calibration
        ? {
            thresholds: {
              kind: 'calibrate',
              samples: calibration.samples,
              every: calibration.every,
              percentile: calibration.percentile,
              channelWise: calibration.channelWise,
            },
          }
        : converted.snnFile
          ? { thresholds: converted.snnFile.options['thresholds'] ?? null }
          : {}),
    },
    provenance: {
      msatVersion: MSAT_VERSION,
      createdAt: origin.createdAt,
      ...(origin.command ? { command: origin.command } : {}),
      ...(calibration
        ? { dataset: { path: calibration.data, split: 'train' as const, samples: converted.calibration.samples, every: calibration.every } }
        : {}),
    },
  });
}
