import * as assert from "assert/strict";
import { BoundedCache, clearCaches } from "../../../policies/lib/memo";

describe("bounded caches of the pack", () => {
    it("computes a value once per key and gives the kept one back", () => {
        const cache = new BoundedCache<string, { n: number }>(2);
        let calls = 0;
        const compute = (k: string) => ({ n: (calls++, k.length) });
        const first = cache.get("abc", compute);
        assert.deepEqual(first, { n: 3 });
        assert.equal(cache.get("abc", compute), first);
        assert.equal(calls, 1);
        assert.equal(cache.size, 1);
    });

    it("keeps an undefined result too", () => {
        const cache = new BoundedCache<string, undefined>(2);
        let calls = 0;
        cache.get("a", () => void calls++);
        cache.get("a", () => void calls++);
        assert.equal(calls, 1);
    });

    it("forgets the oldest entries beyond its limit", () => {
        const cache = new BoundedCache<number, number>(2);
        const seen: number[] = [];
        const compute = (k: number) => (seen.push(k), k * 10);
        cache.get(1, compute);
        cache.get(2, compute);
        cache.get(3, compute);
        assert.equal(cache.size, 2);
        cache.get(2, compute);
        cache.get(3, compute);
        assert.deepEqual(seen, [1, 2, 3]);
        assert.equal(cache.get(1, compute), 10);
        assert.deepEqual(seen, [1, 2, 3, 1]);
        assert.equal(cache.size, 2);
    });

    it("refuses a limit that is not a whole number >= 1", () => {
        for (const limit of [0, -1, 1.5, Number.NaN]) {
            assert.throws(() => new BoundedCache(limit), {
                name: "RangeError",
                message: `BoundedCache: the limit must be a whole number >= 1, got ${limit}`,
            });
        }
        assert.equal(new BoundedCache(1).limit, 1);
    });

    it("empties every cache at once", () => {
        const a = new BoundedCache<string, number>(4);
        const b = new BoundedCache<string, number>(4);
        a.get("x", () => 1);
        b.get("y", () => 2);
        clearCaches();
        assert.deepEqual([a.size, b.size], [0, 0]);
        let calls = 0;
        a.get("x", () => ++calls);
        assert.equal(calls, 1);
    });
});
