/**
 * A network ready to run on onnxruntime: exported once from the IR, its session cached by the `Runner`.
 */
import { MsatError, asInputType, type Tensor } from '../core/index.js';
import { networkToOnnxBytes, type Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';

/** The ANN forward pass: one input tensor in, the network's first output (logits) out. */
export interface AnnSession {
  readonly inputName: string;
  readonly outputName: string;
  forward(x: Tensor): Promise<Tensor<'float32'>>;
}

/** Exports `network` (through the IR, so what runs is exactly what msat imported) and opens a session. */
export async function annSession(network: Network, runner: Runner): Promise<AnnSession> {
  if (network.inputs.length !== 1) {
    throw new MsatError('EVAL_INPUTS', `${network.source}: expected one model input, found ${network.inputs.length}`);
  }
  const input = network.inputs[0];
  const outputName = network.outputs[0];
  const session = await runner.session(runner.keyOf(network, `ann:${network.source}`), () => networkToOnnxBytes(network));
  return {
    inputName: input.name,
    outputName,
    async forward(x: Tensor): Promise<Tensor<'float32'>> {
      const fed = asInputType(x, input.type);
      if (fed.type !== input.type) {
        throw new MsatError('EVAL_INPUTS', `${network.source}: input ${input.name} takes ${input.type}, the data gives ${x.type}`);
      }
      const out = await session.run({ [input.name]: fed }, [outputName]);
      return out[outputName] as Tensor<'float32'>;
    },
  };
}
