import * as assert from "assert/strict";
import { checkSupported, patternMatches, UnsupportedPatternError } from "../../../policies/lib/eventPatterns";

// Agreement with AWS's matcher is proved in test/ci/eventPatterns.spec.ts; here, the edges a generated pattern does
// not reach: what is refused, and values of other types.
const unsupported = (pattern: unknown, operator: string) =>
    assert.throws(
        () => patternMatches(pattern, { a: "x" }),
        (e: Error) =>
            e instanceof UnsupportedPatternError &&
            e.name === "UnsupportedPatternError" &&
            e.message === `the event pattern uses ${operator}, which this check does not evaluate`,
    );

describe("policies/lib/eventPatterns", () => {
    it("refuses what it does not evaluate, wherever it is in the pattern, before looking at the event", () => {
        unsupported(null, "a pattern that is not an object");
        unsupported([{ a: ["x"] }], "a pattern that is not an object");
        unsupported({ b: 1 }, "a pattern that is not an object");
        unsupported({ $or: [{ a: ["x"] }] }, "$or");
        unsupported({ nested: { $or: [] } }, "$or");
        unsupported({ missing: [{ numeric: [">", 0] }] }, "numeric");
        unsupported({ a: [{ prefix: "x", suffix: "y" }] }, '{"prefix":"x","suffix":"y"}');
        unsupported({ a: [{}] }, "{}");
        unsupported({ a: [{ wildcard: "x*" }] }, "wildcard");
        unsupported({ a: [{ exists: "yes" }] }, "exists");
        unsupported({ a: [{ exists: true, prefix: "x" }] }, '{"exists":true,"prefix":"x"}');
        unsupported({ a: [{ toString: "x" }] }, "toString");
        assert.doesNotThrow(() => checkSupported({ a$: ["x"], b: [{ "anything-but": { prefix: "y" } }] }));
    });

    it("matches exact values of any JSON type, and only values of the operator's type", () => {
        assert.equal(patternMatches({ n: [5], b: [false], z: [null] }, { n: 5, b: false, z: null }), true);
        assert.equal(patternMatches({ n: ["5"] }, { n: 5 }), false);
        for (const operator of ["prefix", "suffix", "equals-ignore-case"]) {
            assert.equal(patternMatches({ n: [{ [operator]: "5" }] }, { n: 5 }), false, operator);
            assert.equal(patternMatches({ s: [{ [operator]: 5 }] }, { s: "5" }), false, operator);
        }
        assert.equal(patternMatches({ s: [{ prefix: "ab" }] }, { s: "abc" }), true);
        assert.equal(patternMatches({ s: [{ suffix: "bc" }] }, { s: "abc" }), true);
        assert.equal(patternMatches({ s: [{ "equals-ignore-case": "ABC" }] }, { s: "abc" }), true);
    });

    it("takes anything-but of one value, of a list, or of a prefix", () => {
        assert.equal(patternMatches({ s: [{ "anything-but": "a" }] }, { s: "a" }), false);
        assert.equal(patternMatches({ s: [{ "anything-but": "a" }] }, { s: "b" }), true);
        assert.equal(patternMatches({ s: [{ "anything-but": ["a", "b"] }] }, { s: "b" }), false);
        assert.equal(patternMatches({ s: [{ "anything-but": { prefix: "a" } }] }, { s: "ab" }), false);
        assert.equal(patternMatches({ s: [{ "anything-but": { prefix: "a" } }] }, { s: "ba" }), true);
    });

    it("reads an array field as its values, leaving out objects; a nested pattern as any object of an array", () => {
        assert.equal(patternMatches({ a: ["x"] }, { a: [{ b: "x" }, "x"] }), true);
        assert.equal(patternMatches({ a: ["x"] }, { a: [{ b: "x" }] }), false);
        assert.equal(patternMatches({ a: ["x"] }, { a: { b: "x" } }), false);
        assert.equal(patternMatches({ a: [{ exists: true }] }, { a: [{ b: "x" }] }), false);
        assert.equal(patternMatches({ a: [{ exists: true }] }, { a: { b: "x" } }), false);
        assert.equal(patternMatches({ a: [{ exists: false }, "x"] }, { a: "x" }), true);
        assert.equal(patternMatches({ a: { b: [{ exists: false }] } }, { a: ["x", { b: "y" }] }), false);
        assert.equal(patternMatches({ a: [{ exists: false }] }, { a: [] }), true);
        assert.equal(patternMatches({ a: { b: ["x"] } }, { a: ["x", { b: "x" }] }), true);
        assert.equal(patternMatches({ a: { b: ["x"] } }, { a: ["x", { b: "y" }] }), false);
        // The fields of one element go together, as event-ruler's array consistency has it.
        assert.equal(patternMatches({ a: { b: ["x"], c: ["y"] } }, { a: [{ b: "x" }, { c: "y" }] }), false);
        assert.equal(patternMatches({ a: { b: [{ exists: false }] } }, { other: 1 }), true);
        assert.equal(patternMatches({ a: { b: [{ exists: false }] } }, "not an object"), true);
    });
});
