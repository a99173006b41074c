import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { allPolicies } from "../../policies/all";
import { PackConfig, ResourceSpec, runPack } from "../helpers/policyHarness";
import { fixtureProjectDir } from "../helpers/stackConfig";
import { countRuns } from "./runs";
import { Doc, Json, keyPolicy, statement } from "./policyArbitraries";

/*
 * AWS reads a policy document the same whatever its spelling: statements in any order, action names in any case,
 * a single value or a one-element array, any whitespace. The pack's verdict on a key policy must not change with the
 * spelling, and adding an Allow statement (which can only grant more) must never make a violation disappear.
 */

/** The production stack's policy config: the pack as CI runs it. */
const packConfig = JSON.parse(
    fs.readFileSync(path.join(fixtureProjectDir, "policies", "config", "production.json"), "utf8"),
) as PackConfig;

/**
 * The resource policies that judge KMS keys: the others (aliases, endpoints, identity policies) and the stack policies
 * look at other resources, which these tests leave unchanged.
 */
const keyPolicies = allPolicies.filter(
    (p): p is ResourceValidationPolicy => !("validateStack" in p) && p.name.startsWith("kms-key-"),
);

/** The key the pack judges: compliant in everything but its policy. */
function keyWithPolicy(policyText: string): ResourceSpec {
    return {
        type: "aws:kms/key:Key",
        name: "aurora-postgres-key",
        protect: true,
        inputs: {
            description: "Aurora PostgreSQL Serverless v2 database encryption key",
            keyUsage: "ENCRYPT_DECRYPT",
            customerMasterKeySpec: "SYMMETRIC_DEFAULT",
            enableKeyRotation: true,
            rotationPeriodInDays: 365,
            deletionWindowInDays: 30,
            isEnabled: true,
            multiRegion: false,
            policy: policyText,
            tags: {
                Name: "aurora-postgres-kms-key",
                Service: "Aurora-PostgreSQL",
                Environment: "production",
                ManagedBy: "Pulumi",
            },
        },
    };
}

/** The pack's verdict: each violation as "policy: message", sorted. */
async function verdict(policyText: string): Promise<string[]> {
    const result = await runPack(keyPolicies, [keyWithPolicy(policyText)], packConfig);
    assert.deepEqual(result.undecided, []);
    return result.violations.map((v) => v.policy).sort();
}

/** The verdict as the names of the policies violated, with how often: messages may name statements by position. */
async function violatedPolicies(doc: Doc): Promise<string[]> {
    return verdict(JSON.stringify(doc));
}

// Equivalent spellings.

function permute(doc: Doc, order: number[]): Doc {
    return { ...doc, Statement: order.map((i) => doc.Statement[i]) };
}

type CaseStyle = "lower" | "upper" | "swap" | "same";

function recase(action: string, style: CaseStyle): string {
    switch (style) {
        case "lower":
            return action.toLowerCase();
        case "upper":
            return action.toUpperCase();
        case "swap":
            return [...action].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
        default:
            return action;
    }
}

function recaseActions(doc: Doc, styles: CaseStyle[]): Doc {
    let n = 0;
    const next = () => styles[n++ % styles.length];
    const change = (value: Json): Json =>
        Array.isArray(value) ? value.map((a) => recase(a as string, next())) : recase(value as string, next());
    return {
        ...doc,
        Statement: doc.Statement.map((s) => {
            const copy = { ...s };
            for (const field of ["Action", "NotAction"]) {
                if (field in copy) {
                    copy[field] = change(copy[field]);
                }
            }
            return copy;
        }),
    };
}

/** Turns single values into one-element arrays and one-element arrays into single values, where `flips` says. */
function toggleSingletons(doc: Doc, flips: boolean[]): Doc {
    let n = 0;
    const flip = () => flips[n++ % flips.length];
    const toggle = (value: Json): Json => {
        if (!flip()) {
            return value;
        }
        if (Array.isArray(value)) {
            return value.length === 1 ? value[0] : value;
        }
        return [value];
    };
    const statements = doc.Statement.map((s) => {
        const copy: Record<string, Json> = { ...s };
        for (const field of ["Action", "NotAction", "Resource"]) {
            if (field in copy) {
                copy[field] = toggle(copy[field]);
            }
        }
        for (const field of ["Principal", "NotPrincipal"]) {
            const value = copy[field];
            if (value !== null && typeof value === "object" && !Array.isArray(value)) {
                copy[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toggle(v)]));
            }
        }
        if (copy.Condition !== undefined) {
            copy.Condition = Object.fromEntries(
                Object.entries(copy.Condition as Record<string, Record<string, Json>>).map(([op, tests]) => [
                    op,
                    Object.fromEntries(Object.entries(tests).map(([k, v]) => [k, toggle(v)])),
                ]),
            );
        }
        return copy;
    });
    return { ...doc, Statement: statements.length === 1 && flip() ? (statements[0] as never) : statements };
}

const orderOf = (doc: Doc) =>
    fc.shuffledSubarray(
        doc.Statement.map((_, i) => i),
        { minLength: doc.Statement.length, maxLength: doc.Statement.length },
    );

describe("properties of the pack's verdict on key policies", () => {
    it("does not depend on the order of the statements", async () => {
        await fc.assert(
            fc.asyncProperty(
                keyPolicy.chain((doc) => fc.tuple(fc.constant(doc), orderOf(doc))),
                async ([doc, order]) => {
                    assert.deepEqual(await violatedPolicies(permute(doc, order)), await violatedPolicies(doc));
                },
            ),
            countRuns("verdict invariant under statement order", { numRuns: 50 }),
        );
    });

    it("does not depend on the case of action names", async () => {
        await fc.assert(
            fc.asyncProperty(
                keyPolicy,
                fc.array(fc.constantFrom<CaseStyle>("lower", "upper", "swap", "same"), { minLength: 1, maxLength: 10 }),
                async (doc, styles) => {
                    assert.deepEqual(await violatedPolicies(recaseActions(doc, styles)), await violatedPolicies(doc));
                },
            ),
            countRuns("verdict invariant under action case", { numRuns: 60 }),
        );
    });

    it("does not depend on single values being written as one-element arrays, or the other way round", async () => {
        await fc.assert(
            fc.asyncProperty(keyPolicy, fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), async (doc, flips) => {
                assert.deepEqual(await violatedPolicies(toggleSingletons(doc, flips)), await violatedPolicies(doc));
            }),
            countRuns("verdict invariant under single values and one-element arrays", { numRuns: 60 }),
        );
    });

    it("does not depend on how the JSON is spaced", async () => {
        await fc.assert(
            fc.asyncProperty(
                keyPolicy,
                fc.constantFrom<string | number>(1, 2, 4, 8, "\t", " \n "),
                async (doc, space) => {
                    assert.deepEqual(
                        await verdict(JSON.stringify(doc, null, space)),
                        await verdict(JSON.stringify(doc)),
                    );
                },
            ),
            countRuns("verdict invariant under JSON spacing", { numRuns: 25 }),
        );
    });

    it("does not change under all of these at once", async () => {
        await fc.assert(
            fc.asyncProperty(
                keyPolicy.chain((doc) => fc.tuple(fc.constant(doc), orderOf(doc))),
                fc.array(fc.constantFrom<CaseStyle>("lower", "upper", "swap", "same"), { minLength: 1, maxLength: 10 }),
                fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
                fc.constantFrom<string | number>(0, 2, "\t"),
                async ([doc, order], styles, flips, space) => {
                    const respelt = toggleSingletons(recaseActions(permute(doc, order), styles), flips);
                    assert.deepEqual(await verdict(JSON.stringify(respelt, null, space)), await violatedPolicies(doc));
                },
            ),
            countRuns("verdict invariant under every respelling at once", { numRuns: 60 }),
        );
    });

    it("never loses a violation when an Allow statement is added (except the lockout and recovery-path rules, which an Allow of kms:PutKeyPolicy can cure)", async () => {
        await fc.assert(
            fc.asyncProperty(keyPolicy, statement, fc.nat(), async (doc, added, at) => {
                const allow = { ...added, Effect: "Allow" };
                const position = at % (doc.Statement.length + 1);
                const more = {
                    ...doc,
                    Statement: [...doc.Statement.slice(0, position), allow, ...doc.Statement.slice(position)],
                };
                const curable = ["kms-key-policy-no-lockout", "kms-key-policy-recovery-path"];
                const before = new Set((await violatedPolicies(doc)).filter((p) => !curable.includes(p)));
                const after = new Set(await violatedPolicies(more));
                assert.deepEqual(
                    [...before].filter((p) => !after.has(p)),
                    [],
                );
            }),
            countRuns("an added Allow never removes a violation", { numRuns: 80 }),
        );
    });

    it("tells compliant and broken policies apart (the properties above are not about a pack that flags nothing)", async () => {
        const samples = fc.sample(keyPolicy, { numRuns: 60, seed: 42 });
        const verdicts = await Promise.all(samples.map((doc) => violatedPolicies(doc)));
        assert.ok(
            verdicts.some((v) => v.length === 0),
            "some generated policies comply",
        );
        assert.ok(verdicts.filter((v) => v.length > 0).length >= 20, "many generated policies break a rule");
        assert.ok(
            new Set(verdicts.flat()).size >= 6,
            `the generated policies break many rules: ${[...new Set(verdicts.flat())].join(", ")}`,
        );
    });
});
