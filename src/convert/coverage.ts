/**
 * The conversion coverage report: a terminal-readable line per layer saying what it became, and the error
 * that lists every refused layer at once (so a user fixes all of them in one round, not one per run).
 */
import { MsatError } from '../core/index.js';
import type { ConversionPlan, LayerConversion, PlannedLayer } from './plan.js';

/** Short text for what a layer became, e.g. `LIPool (lateral-inhibition max-pool)`. */
export function describeConversion(layer: Pick<PlannedLayer, 'layerKind' | 'becomes'>): string {
  const c: LayerConversion = layer.becomes;
  switch (c.kind) {
    case 'spiking':
      return 'spiking neurons';
    case 'lipool':
      return 'LIPool (lateral-inhibition max-pool)';
    case 'analog':
      return `analog ${layer.layerKind}, every step`;
    case 'readout':
      return `readout: analog ${layer.layerKind}, summed over steps`;
    case 'input-analog':
      return 'analog input, once per sample';
    case 'refused':
      return `REFUSED: ${c.reason}`;
  }
}

/** `2.913` for a layer-wise λ; `16 channels in [0.1234, 3.456]` for a channel-wise one. */
export function formatLambda(lambda: number | ArrayLike<number>): string {
  if (typeof lambda === 'number') return formatNumber(lambda);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < lambda.length; i++) {
    lo = Math.min(lo, lambda[i]);
    hi = Math.max(hi, lambda[i]);
  }
  return `${lambda.length} channels in [${formatNumber(lo)}, ${formatNumber(hi)}]`;
}

function formatNumber(v: number): string {
  return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

const groupDigits = (n: number): string => n.toLocaleString('en-US');

/**
 * One line per layer, `name  kind  →  what it became  (λ = …, neurons)`, aligned in columns, then the
 * warnings, the totals and `converted N of M layers; refused K`.
 */
export function formatCoverage(plan: ConversionPlan): string {
  const nameWidth = Math.max(0, ...plan.layers.map((l) => l.name.length));
  const kindWidth = Math.max(0, ...plan.layers.map((l) => l.layerKind.length));
  const lines = plan.layers.map((l) => {
    let extra = '';
    if (l.becomes.kind === 'spiking') extra = `  (λ = ${formatLambda(l.becomes.lambda)}, ${groupDigits(l.neurons ?? 0)} neurons)`;
    else if (l.macs !== undefined) extra = `  (${groupDigits(l.macs)} MACs${l.analogInput ? ', analog input' : ''})`;
    return `${l.name.padEnd(nameWidth)}  ${l.layerKind.padEnd(kindWidth)}  →  ${describeConversion(l)}${extra}`;
  });
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  const neurons = plan.spiking.reduce((s, l) => s + l.neurons, 0);
  const macs = plan.synaptic.reduce((s, l) => s + l.macs, 0);
  lines.push(`${plan.spiking.length} spiking layers, ${groupDigits(neurons)} neurons and ${groupDigits(macs)} synaptic MACs per sample`);
  lines.push(`converted ${plan.converted} of ${plan.layers.length} layers; refused ${plan.refused}`);
  return lines.join('\n');
}

/**
 * @throws MsatError `CONVERT_REFUSED` naming every refused layer, its kind and the reason, when the plan has
 *   any refusal.
 */
export function assertConvertible(plan: ConversionPlan): void {
  const refused = plan.layers.filter((l) => l.becomes.kind === 'refused');
  if (refused.length === 0) return;
  const list = refused.map((l) => `  - ${l.name} (${l.layerKind}): ${(l.becomes as { reason: string }).reason}`).join('\n');
  throw new MsatError(
    'CONVERT_REFUSED',
    `${plan.source}: ${refused.length} of ${plan.layers.length} layers cannot be converted to the SNN:\n${list}`,
  );
}
