/** Nearest-rank percentiles of a sample (benchmarks only). */
export function percentiles(samples: readonly number[], ps: readonly number[]): number[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN);
}
