/** One routable version and its weight in percent. */
export interface WeightedVersion<T> {
  readonly weight: number;
  readonly target: T;
}

/** FNV-1a, 32 bits: a fast, stable string hash (routing needs spread, not secrecy). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Picks a version for `key` from weights summing to 100: the key hashes to a bucket in [0, 100) and the
 * bucket falls into one version's cumulative range. Equal keys always get the same version (sticky), and
 * over many keys each version gets its weight's share.
 */
export function routeByKey<T>(versions: readonly WeightedVersion<T>[], key: string): T {
  if (versions.length === 1) return (versions[0] as WeightedVersion<T>).target;
  const bucket = fnv1a(key) % 100;
  let upper = 0;
  for (const v of versions) {
    upper += v.weight;
    if (bucket < upper) return v.target;
  }
  // Unreachable when the weights sum to 100, which the deployment schema guarantees.
  return (versions[versions.length - 1] as WeightedVersion<T>).target;
}
