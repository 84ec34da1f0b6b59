// What a TypeScript project sees of msat: compiled with `tsc --noEmit` against the package's own .d.ts.
import { ConvertedSnn, MsatError, arrayDataset, convert, loadModel, type MsatErrorCode, type NeuronConfig, type SimulationReport, type SnnOnnxContract } from 'msat';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type Checks = [
  Expect<Equal<Awaited<ReturnType<typeof convert>>, ConvertedSnn>>,
  Expect<Equal<SimulationReport['accuracyPerStep'], number[]>>,
  Expect<Equal<NeuronConfig['method'], 'const' | 'dtt' | 'det' | 'msat'>>,
  Expect<Equal<SnnOnnxContract['format'], 'msat-snn-onnx'>>,
  Expect<MsatError['code'] extends MsatErrorCode ? true : false>,
];

export async function accuracyAfter(steps: number, images: Float32Array, labels: Int32Array): Promise<number> {
  const data = arrayDataset({ x: images, sampleShape: [1, 28, 28], labels, mean: [0.1307], std: [0.3081] });
  const neuron: Partial<NeuronConfig> = { method: 'msat', gamma: 2, reset: 'soft' };
  await using snn = await convert(await loadModel('mnist-cnn.onnx'), { calibration: { data, samples: 50, every: 1 }, neuron });
  const report: SimulationReport = await snn.simulate(data, { T: steps, confidence: { kind: 'off' } });
  await snn.export('mnist.nir', { format: 'nir', neuron: { method: 'const', reset: 'hard' } });
  return report.accuracyPerStep[steps - 1];
}

export function codeOf(e: unknown): MsatErrorCode | undefined {
  return e instanceof MsatError ? e.code : undefined;
}
