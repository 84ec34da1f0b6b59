/** "every sample", "every 2nd", "every 10th", "every 21st": a stride of the dataset order in words. */
export function everyKth(k: number): string {
  if (k === 1) return 'every sample';
  const teen = k % 100 >= 11 && k % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[k % 10] ?? 'th');
  return `every ${k}${suffix}`;
}
