/**
 * NIR export of a converted SNN (`msat export --format nir`): `nirGraph` maps the network to NIR nodes and edges,
 * `writeNir`/`readNir` store and load the HDF5 file the `nir` Python package reads.
 */
import { nirGraph, type NirExportSource } from './nir-graph.js';
import { writeNir } from './nir-file.js';

export * from './nir-graph.js';
export { readNir, writeNir } from './nir-file.js';

/** Writes the NIR graph of `snn` to `path` (HDF5). Throws EXPORT_UNSUPPORTED, naming the layer, before writing anything when NIR cannot express it. */
export async function exportNir(snn: NirExportSource, path: string): Promise<void> {
  await writeNir(nirGraph(snn), path);
}
