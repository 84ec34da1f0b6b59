/**
 * Public API of the `snn` layer: the ONNX chunk graphs of converted networks, the simulator and its metrics.
 * The step-by-step reference implementation stays reachable as `src/snn/reference`.
 */
export { buildChunkGraph } from './graph/build-chunk-graph.js';
export type { ChunkGraph, ChunkGraphSpec, ChunkStart, InputEncoding, StateSlot } from './graph/build-chunk-graph.js';
export * from './neuron-config.js';
export { simulate } from './simulate.js';
export { BatchSimulator, autoMicroBatch } from './batch-simulator.js';
export { pickTracedNeurons } from './neuron-traces.js';
export { DEFAULT_SIMULATION_OPTIONS } from './simulation-options.js';
export type { ExitSummary, LayerActivity, NeuronTrace, ReadoutHook, SimulationOptions, SimulationResult } from './simulation-options.js';
export { ParallelSimulator } from './parallel-simulate.js';
export { emptyTallies, mergeTallies, resultOfTallies, type LayerTallies, type PearsonSums, type SimulationTallies } from './simulation-tallies.js';
export * from './metrics/index.js';
export {
  MSAT_MODES,
  RESNET_HYPER_PARAMS,
  VGG_HYPER_PARAMS,
  createRng,
  type MsatHyperParams,
  type MsatMode,
  type ResetMode,
  type ThresholdRule,
} from './reference/index.js';
export { energyOfFeeds, energyReport, synapticFeeds } from './simulation-energy.js';
export type { EnergyReport, SynapticFeed } from './simulation-energy.js';
export * from './exit/index.js';
