import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENERGY_PER_AC_PJ, ENERGY_PER_MAC_PJ, convMacs, estimateEnergy, firingRate, linearMacs } from '../../src/snn/metrics/index.js';
import { isMsatError } from '../../src/core/index.js';

function near(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

test('energy on a hand-made 3-layer network (analog conv1, spike-fed conv2 and fc)', () => {
  const est = estimateEnergy(
    [
      { name: 'conv1', macs: 1000, inputSpikeRate: null },
      { name: 'conv2', macs: 2000, inputSpikeRate: 0.1 },
      { name: 'fc', macs: 500, inputSpikeRate: 0.2, inputEventRate: 0.15 },
    ],
    { steps: 10 },
  );
  assert.equal(ENERGY_PER_AC_PJ, 0.9);
  assert.equal(ENERGY_PER_MAC_PJ, 4.6);
  near(est.analogMacsPerStep, 1000, 'first layer counted as MACs');
  near(est.sopPerStep, 2000 * 0.1 + 500 * 0.2, 'SOP = 200 + 100');
  near(est.eventOpsPerStep, 2000 * 0.1 + 500 * 0.15, 'events = 200 + 75');
  near(est.annMacs, 3500, 'ANN MACs');
  near(est.energyPj, 10 * (1000 * 4.6 + 300 * 0.9), 'SNN energy 48700 pJ');
  near(est.honestEnergyPj, 10 * (1000 + 275) * 4.6, 'honest energy 58650 pJ');
  near(est.annEnergyPj, 3500 * 4.6, 'ANN energy 16100 pJ');
  assert.deepEqual(
    est.layers.map((l) => l.name),
    ['conv1', 'conv2', 'fc'],
  );
  near(est.layers[2].sopPerStep, 100, 'fc SOP');
});

test('custom pJ constants, MAC helpers and firing rate', () => {
  const est = estimateEnergy([{ name: 'l', macs: 100, inputSpikeRate: 0.5 }], { steps: 4, acPj: 1, macPj: 2 });
  near(est.energyPj, 4 * 50 * 1, 'AC energy');
  near(est.honestEnergyPj, 4 * 50 * 2, 'MAC per event');
  assert.equal(convMacs([64, 32, 32], 3, [3, 3]), 64 * 1024 * 27);
  assert.equal(convMacs([8, 4, 4], 8, [3, 3], 8), 8 * 16 * 9, 'depthwise');
  assert.equal(linearMacs(512, 10), 5120);
  assert.equal(firingRate(30, 10, 6), 0.5);
  assert.throws(() => estimateEnergy([], { steps: 0 }), isMsatError);
  assert.throws(
    () => estimateEnergy([{ name: 'bad', macs: 10, inputSpikeRate: -1 }], { steps: 1 }),
    (e) => isMsatError(e) && /bad/.test(e.message),
  );
});
