/**
 * Bounded caches for the pack's pure computations on policy text: parsed key policies, expanded action patterns,
 * compiled wildcards. The engine judges one resource with every policy before it moves on, so the dozen rules that
 * read one key policy share one parse. Values are shared between callers and must be treated as read-only.
 */

/** Every cache made by this module, so that they can be emptied together. */
const allCaches = new Set<BoundedCache<unknown, unknown>>();

/** A map of at most `limit` entries that forgets the oldest entry first. */
export class BoundedCache<K, V> {
    private readonly entries = new Map<K, V>();

    constructor(readonly limit: number) {
        if (!Number.isInteger(limit) || limit < 1) {
            throw new RangeError(`BoundedCache: the limit must be a whole number >= 1, got ${limit}`);
        }
        allCaches.add(this as BoundedCache<unknown, unknown>);
    }

    /** The number of entries held. */
    get size(): number {
        return this.entries.size;
    }

    /** The value kept for `key`; on a miss, `compute(key)`, kept (dropping the oldest entries beyond the limit). */
    get(key: K, compute: (key: K) => V): V {
        if (this.entries.has(key)) {
            return this.entries.get(key) as V;
        }
        const value = compute(key);
        while (this.entries.size >= this.limit) {
            this.entries.delete(this.entries.keys().next().value as K);
        }
        this.entries.set(key, value);
        return value;
    }

    /** Forgets every entry. */
    clear(): void {
        this.entries.clear();
    }
}

/**
 * Empties every cache. Results never depend on the caches; this gives back their memory, and lets each test start
 * from the same state.
 */
export function clearCaches(): void {
    for (const cache of allCaches) {
        cache.clear();
    }
}
