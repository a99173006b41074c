import * as assert from "assert";
import { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";

import {
    KEY_CLASSES,
    KEY_POLICY_CLASSES,
    isAnyOf,
    schemaDefaults,
    typeTokens,
    validateResourceOfTypes,
} from "../../../policies/lib/ruleHelpers";
import { runResourcePolicy } from "../../helpers/policyHarness";

describe("policy config defaults", () => {
    it("takes the declared defaults, leaving out properties without one", () => {
        const schema: PolicyConfigSchema = {
            properties: {
                requireProtect: { type: "boolean", default: false },
                maxRotationPeriodInDays: { type: "integer", default: 365 },
                allowedAccountIds: { type: "array" },
            },
        };
        assert.deepStrictEqual(schemaDefaults(schema), { requireProtect: false, maxRotationPeriodInDays: 365 });
    });

    it("computes a schema's defaults once", () => {
        const schema: PolicyConfigSchema = { properties: { requiredTags: { type: "array", default: ["Name"] } } };
        const first = schemaDefaults(schema);
        assert.deepStrictEqual(first, { requiredTags: ["Name"] });
        assert.strictEqual(schemaDefaults(schema), first);
    });
});

describe("policies over several resource types", () => {
    const judged: string[] = [];
    const validation = validateResourceOfTypes<{ policy?: string }>(KEY_CLASSES, (props, args) => {
        judged.push(`${args.type} ${props.policy}`);
    });

    it("names the provider's type tokens of the classes", () => {
        assert.deepStrictEqual(
            [...typeTokens(KEY_POLICY_CLASSES)],
            [
                "aws:kms/key:Key",
                "aws:kms/externalKey:ExternalKey",
                "aws:kms/replicaKey:ReplicaKey",
                "aws:kms/replicaExternalKey:ReplicaExternalKey",
                "aws:kms/keyPolicy:KeyPolicy",
            ],
        );
    });

    it("judges the inputs of each listed type, and passes other types without a word", async () => {
        judged.length = 0;
        const key = await runResourcePolicy(
            { name: "p", description: "d", validateResource: validation },
            { type: "aws:kms/replicaKey:ReplicaKey", name: "r", inputs: { policy: "P" } },
        );
        const alias = await runResourcePolicy(
            { name: "p", description: "d", validateResource: validation },
            { type: "aws:kms/alias:Alias", name: "a", inputs: { policy: "Q" } },
        );
        assert.deepStrictEqual(judged, ["aws:kms/replicaKey:ReplicaKey P"]);
        assert.deepStrictEqual([key, alias], [{ violations: [] }, { violations: [] }]);
    });

    it("tells stack resources of the listed types from others", () => {
        const isKey = isAnyOf(KEY_CLASSES);
        assert.deepStrictEqual(
            ["aws:kms/externalKey:ExternalKey", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/alias:Alias"].map((type) =>
                isKey({ type } as PolicyResource),
            ),
            [true, false, false],
        );
    });
});
