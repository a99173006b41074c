import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { keyEventRules } from "../../components/keyEvents";
import { patternMatches, UnsupportedPatternError } from "../../policies/lib/eventPatterns";
import { cloudTrailEvent, WATCHED_CALLS } from "../../policies/monitoring";
import { matchEvents, NamedEvent } from "../helpers/eventRuler";

/**
 * The pack's event pattern matcher (policies/lib/eventPatterns.ts) against AWS's own, event-ruler: the same answer
 * for the program's rules and for generated patterns over the fields of AWS's example KMS events, in one JVM run.
 */

const fixturesDir = path.resolve(__dirname, "..", "fixtures", "cloudtrail");
const ourKey = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/** AWS's example events, and the records the pack's kms-key-deletion-alerts builds for the calls it asks about. */
const events: NamedEvent[] = [
    ...fs
        .readdirSync(fixturesDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => ({
            name: path.basename(f, ".json"),
            event: JSON.parse(fs.readFileSync(path.join(fixturesDir, f), "utf8")),
        })),
    ...WATCHED_CALLS.map((call) => ({ name: `pack's ${call}`, event: cloudTrailEvent(call, ourKey) })),
];

/** Every value each field takes in the fixtures, and one no fixture has. */
function valuesAt(fieldPath: string[]): (string | boolean | null)[] {
    const found = new Set<string | boolean | null>(["no-such-value"]);
    const walk = (value: unknown, rest: string[]): void => {
        if (Array.isArray(value)) {
            value.forEach((v) => walk(v, rest));
        } else if (rest.length === 0) {
            if (value === null || ["string", "boolean"].includes(typeof value)) {
                found.add(value as string | boolean | null);
            }
        } else if (value !== null && typeof value === "object") {
            walk((value as Record<string, unknown>)[rest[0]], rest.slice(1));
        }
    };
    events.forEach((e) => walk(e.event, fieldPath));
    return [...found];
}

const fieldPaths = [
    ["source"],
    ["detail-type"],
    ["resources"],
    ["detail", "eventName"],
    ["detail", "eventSource"],
    ["detail", "errorCode"],
    ["detail", "readOnly"],
    ["detail", "resources", "ARN"],
    ["detail", "resources", "type"],
    ["detail", "requestParameters", "keyId"],
    ["detail", "key-id"],
];

/** A matcher for one field, from the operators the pack's matcher evaluates. */
function matcherFor(values: (string | boolean | null)[]): fc.Arbitrary<unknown> {
    const value = fc.constantFrom(...values);
    const text = fc.constantFrom(...values.filter((v): v is string => typeof v === "string"));
    // event-ruler refuses an empty prefix or suffix, as EventBridge does.
    const words = text.filter((t) => t.length > 0);
    const part = words.chain((t) => fc.integer({ min: 1, max: t.length }).map((n) => t.slice(0, n)));
    const tail = words.chain((t) => fc.integer({ min: 0, max: t.length - 1 }).map((n) => t.slice(n)));
    return fc.oneof(
        value,
        part.map((p) => ({ prefix: p })),
        tail.map((s) => ({ suffix: s })),
        text.map((t) => ({ "equals-ignore-case": t.toUpperCase() })),
        fc.array(text, { minLength: 1, maxLength: 3 }).map((l) => ({ "anything-but": l })),
        part.map((p) => ({ "anything-but": { prefix: p } })),
        fc.boolean().map((b) => ({ exists: b })),
    );
}

/** A pattern over one to three of the fields, each with one to three matchers. */
const patternArbitrary = fc
    .uniqueArray(fc.constantFrom(...fieldPaths), { minLength: 1, maxLength: 3, selector: (p) => p.join(".") })
    .chain((paths) =>
        fc
            .tuple(...paths.map((p) => fc.array(matcherFor(valuesAt(p)), { minLength: 1, maxLength: 3 })))
            .map((lists) => {
                const pattern: Record<string, unknown> = {};
                paths.forEach((p, i) => {
                    let node = pattern;
                    for (const segment of p.slice(0, -1)) {
                        node = (node[segment] ??= {}) as Record<string, unknown>;
                    }
                    node[p[p.length - 1]] = lists[i];
                });
                return pattern;
            }),
    );

describe("the pack's event pattern matcher against event-ruler", function () {
    this.timeout(300000);

    it("agrees on the program's rules and on generated patterns, for every example event", () => {
        const seed = Number(process.env.PROPERTY_SEED ?? 20261207);
        const generated = fc.sample(patternArbitrary, { numRuns: 2000, seed });
        const patterns: Record<string, unknown> = Object.fromEntries([
            ...keyEventRules([ourKey], ["arn:aws:kms:ap-northeast-1:111111111111:alias/my_alias"]).map((r) => [
                r.id,
                r.pattern,
            ]),
            ...generated.map((p, i) => [`generated-${i}`, p]),
        ]);
        const byRuler = matchEvents(patterns, events);
        const ours = Object.fromEntries(
            events.map((e) => [
                e.name,
                Object.keys(patterns)
                    .filter((name) => patternMatches(patterns[name], e.event))
                    .sort(),
            ]),
        );
        for (const e of events) {
            const differ = Object.keys(patterns).filter(
                (name) => byRuler[e.name].includes(name) !== ours[e.name].includes(name),
            );
            assert.deepEqual(
                differ.map((name) => JSON.stringify(patterns[name])),
                [],
                `${e.name}: the matchers disagree`,
            );
        }
        // The pack's records of the watched calls are ones the program's key-at-risk rule fires on, under event-ruler.
        for (const call of WATCHED_CALLS) {
            assert.ok(byRuler[`pack's ${call}`].includes("key-at-risk"), call);
        }
        // Not vacuous: the patterns match some events and not others.
        const matchedPairs = Object.values(byRuler).reduce((n, names) => n + names.length, 0);
        assert.ok(
            matchedPairs > 50 && matchedPairs < (events.length * Object.keys(patterns).length) / 2,
            String(matchedPairs),
        );
    });

    it("agrees on the edges: values of other types, arrays of values and objects, absent nested fields", () => {
        const cases: [unknown, unknown][] = [
            [
                { n: [5], b: [false], z: [null] },
                { n: 5, b: false, z: null },
            ],
            [{ n: ["5"] }, { n: 5 }],
            [{ n: [{ prefix: "5" }] }, { n: 5 }],
            [{ s: [{ "anything-but": "a" }] }, { s: "b" }],
            [{ s: [{ "anything-but": { prefix: "a" } }] }, { s: "ab" }],
            [{ a: ["x"] }, { a: [{ b: "x" }, "x"] }],
            [{ a: ["x"] }, { a: [{ b: "x" }] }],
            [{ a: ["x"] }, { a: { b: "x" } }],
            [{ a: [{ exists: true }] }, { a: [{ b: "x" }] }],
            [{ a: [{ exists: false }] }, { a: [] }],
            [{ a: { b: ["x"] } }, { a: ["x", { b: "x" }] }],
            [{ a: { b: ["x"], c: ["y"] } }, { a: [{ b: "x" }, { c: "y" }] }],
            [{ a: { b: ["x"], c: ["y"] } }, { a: [{ b: "x", c: "y" }] }],
            [{ a: { b: [{ exists: false }] } }, { other: 1 }],
            [{ a: [{ exists: true }] }, { a: { b: "x" } }],
            [{ a: [{ exists: false }, "x"] }, { a: "x" }],
            [{ a: { b: [{ exists: false }] } }, { a: ["x", { b: "y" }] }],
            [{ a: { b: [{ exists: false }] } }, { a: ["x"] }],
        ];
        const patterns = Object.fromEntries(cases.map(([p], i) => [`case-${i}`, p]));
        const byRuler = matchEvents(
            patterns,
            cases.map(([, event], i) => ({ name: `event-${i}`, event })),
        );
        assert.deepEqual(
            cases.map((_, i) => byRuler[`event-${i}`].includes(`case-${i}`)),
            cases.map(([pattern, event]) => patternMatches(pattern, event)),
        );
    });

    it("refuses to guess an operator it does not evaluate", () => {
        for (const pattern of [
            { detail: { eventName: [{ wildcard: "Disable*" }] } },
            { detail: { count: [{ numeric: [">", 0] }] } },
            { $or: [{ source: ["aws.kms"] }] },
        ]) {
            assert.throws(() => patternMatches(pattern, events[0].event), UnsupportedPatternError);
        }
    });
});
