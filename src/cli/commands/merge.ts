/**
 * `msat merge <out> <shard-results...>`: the results of the N shards of one run (`--shard K/N` of `msat experiment`
 * or `msat simulate --out`, e.g. the tasks of a Slurm job array) as the results of the whole run, for `msat report`.
 */
import { copyFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';

export function registerMerge(program: Command, globals: () => GlobalOptions): void {
  program
    .command('merge')
    .description(
      'join the results of the shards of one run (--shard K/N) into the results of the whole run, exactly as one machine would have written them',
    )
    .argument('<out>', 'folder for the merged results.json (and table.md, snn.json), which msat report reads')
    .argument('<shard-results...>', "every shard's results: results folders or their results.json files, in any order")
    .action(async (out: string, inputs: string[]) => {
      void globals;
      const [experiment, core] = await Promise.all([import('../../experiment/index.js'), import('../../core/index.js')]);
      const files = inputs.map((p) => (existsSync(p) && statSync(p).isDirectory() ? join(p, experiment.RESULTS_FILE) : p));
      const target = join(out, experiment.RESULTS_FILE);
      core.assertDistinctPaths({ 'merged results': target }, Object.fromEntries(files.map((f, i) => [`shard results ${i + 1}`, f])));
      const shards = await Promise.all(files.map(async (file) => ({ file, results: await experiment.readResults(dirname(file), file) })));
      const merged = experiment.mergeShardResults(shards, ['msat', ...process.argv.slice(2)].join(' '));
      core.assertWritableFolder(out);
      await experiment.writeResults(target, merged);
      // every shard converted the same SNN: the first shard's file stands for it
      const snn = join(dirname(shards.find((s) => s.results.provenance.shard?.index === 0)!.file), 'snn.json');
      if (existsSync(snn)) await copyFile(snn, join(out, 'snn.json'));
      if (merged.preset !== 'simulate') await core.writeFileAtomic(join(out, 'table.md'), `${experiment.formatExperimentTable(merged)}\n`);
      process.stdout.write(
        `merged ${shards.length} shards (${merged.provenance.dataset.samples} samples, ${merged.runs.length} converters) into ${target}; render them with: msat report ${out}\n`,
      );
    });
}
