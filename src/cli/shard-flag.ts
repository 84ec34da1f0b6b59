/** `--shard K/N` of `eval`, `simulate` and `experiment`: the K-th (0-based) of N disjoint slices of the selected samples. */
import { InvalidArgumentError } from 'commander';

export const SHARD_HELP =
  'run only slice K of N (0-based, 0 ≤ K < N: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX) of the selected samples (after --every/--limit); join the results with msat merge';

/** "2/8" → { index: 2, count: 8 }. */
export function parseShardFlag(value: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(Number.isSafeInteger(count) && count >= 1 && Number.isSafeInteger(index) && index < count))
    throw new InvalidArgumentError(`expected K/N with 0 ≤ K < N (K is 0-based, e.g. 0/4 … 3/4), got ${JSON.stringify(value)}`);
  return { index, count };
}
