import * as assert from "assert";
import { PolicyResource } from "@pulumi/policy";
import * as sdkProxyModule from "@pulumi/policy/proxy";

import { ResourceSpec, UNKNOWN, stackResources, urnOf } from "../../helpers/policyHarness";
import { IdIndex, knownValue, observe, stringsOf } from "../../../policies/lib/stackResources";

/** The SDK's unknown for an object value, which a stack export also uses for a secret it cannot reveal. */
const UNKNOWN_OBJECT = (sdkProxyModule as unknown as { unknownObjectValue: string }).unknownObjectValue;

const KEY = "aws:kms/key:Key";
const ROLE = "aws:iam/role:Role";

/** One resource of a stack, as stack policies receive it. */
async function resource(
    outputs: Record<string, unknown>,
    propertyDependencies: Record<string, string[]> = {},
): Promise<PolicyResource> {
    const role: ResourceSpec = { type: ROLE, name: "admin", inputs: {}, outputs: { arn: UNKNOWN } };
    const spec: ResourceSpec = { type: KEY, name: "k", inputs: {}, outputs, propertyDependencies };
    return (await stackResources([spec, role]))[0];
}

/** A resource whose `props` is the given object itself, for values no wire format carries. */
function rawResource(props: Record<string, unknown>): PolicyResource {
    return { type: KEY, name: "k", urn: urnOf(KEY, "k"), props, propertyDependencies: {} } as unknown as PolicyResource;
}

describe("stack resource helpers", () => {
    describe("observe", () => {
        it("reads a known value", async () => {
            assert.deepStrictEqual(observe(await resource({ description: "aurora" }), "description"), {
                state: "known",
                value: "aurora",
            });
        });

        it("reports a missing, null or undefined property as absent, and never an inherited one", async () => {
            const r = await resource({ description: null });
            for (const key of ["description", "policy", "constructor", "toString"]) {
                assert.deepStrictEqual(observe(r, key), { state: "absent" }, key);
            }
            assert.deepStrictEqual(observe(rawResource({ policy: undefined }), "policy"), { state: "absent" });
        });

        it("reports the engine's unknown that depends on no resource as computed", async () => {
            assert.deepStrictEqual(observe(await resource({ arn: UNKNOWN }), "arn"), { state: "computed" });
        });

        it("leaves undecided an unknown set from other resources, or another kind of unknown", async () => {
            const fromRole = await resource({ policy: UNKNOWN }, { policy: [urnOf(ROLE, "admin")] });
            assert.throws(() => observe(fromRole, "policy"), /can't be known during preview/);
            const unknownObject = await resource({ policy: UNKNOWN_OBJECT });
            assert.throws(() => observe(unknownObject, "policy"), /can't be known during preview/);
        });

        it("rethrows any other error, whatever it carries", () => {
            const failure = Object.assign(new Error("cannot read policy"), { unknownTypeSentinel: UNKNOWN });
            const r = rawResource({});
            Object.defineProperty(r.props, "policy", {
                enumerable: true,
                get: () => {
                    throw failure;
                },
            });
            assert.throws(
                () => observe(r, "policy"),
                (e) => e === failure,
            );
        });
    });

    describe("knownValue", () => {
        it("gives a known value as it is, and nothing for an absent or computed one", () => {
            const value = ["sg-1"];
            assert.strictEqual(knownValue({ state: "known", value }), value);
            assert.strictEqual(knownValue({ state: "known", value: 0 }), 0);
            assert.strictEqual(knownValue({ state: "absent" }), undefined);
            assert.strictEqual(knownValue({ state: "computed" }), undefined);
        });
    });

    describe("stringsOf", () => {
        it("keeps the non-empty strings of a value or an array", () => {
            assert.deepStrictEqual(stringsOf({ state: "known", value: ["sg-1", 1, "", null, "sg-2"] }), [
                "sg-1",
                "sg-2",
            ]);
            assert.deepStrictEqual(stringsOf({ state: "known", value: "sg-1" }), ["sg-1"]);
            assert.deepStrictEqual(stringsOf({ state: "known", value: "" }), []);
            assert.deepStrictEqual(stringsOf({ state: "absent" }), []);
            assert.deepStrictEqual(stringsOf({ state: "computed" }), []);
        });
    });

    describe("IdIndex", () => {
        it("finds each resource once, by any of the indexed outputs", async () => {
            const r = await resource({
                id: "k-1",
                keyId: "k-1",
                arn: "arn:aws:kms:ap-northeast-1:111111111111:key/k-1",
            });
            const ids = new IdIndex([r], ["id", "keyId", "arn"]);
            assert.deepStrictEqual(ids.lookup("k-1"), [r]);
            assert.deepStrictEqual(ids.lookup("arn:aws:kms:ap-northeast-1:111111111111:key/k-1"), [r]);
            assert.deepStrictEqual(ids.lookup("k-2"), []);
        });

        it("reads the outputs once, on the first lookup", () => {
            let reads = 0;
            const r = rawResource({});
            Object.defineProperty(r.props, "keyId", {
                enumerable: true,
                get: () => {
                    reads++;
                    return "k-1";
                },
            });
            const ids = new IdIndex([r], ["keyId"]);
            assert.strictEqual(reads, 0);
            assert.deepStrictEqual(ids.lookup("k-1"), [r]);
            assert.deepStrictEqual(ids.lookup("k-2"), []);
            assert.strictEqual(reads, 1);
        });
    });
});
