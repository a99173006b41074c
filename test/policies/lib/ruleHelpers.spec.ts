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
import { kmsKeyPolicyNoFullAccess } from "../../../policies/keyPolicyActions";
import { kmsKeyPolicyNoLockout } from "../../../policies/keyPolicyAdministration";
import { kmsKeyPolicyNoPublicPrincipal } from "../../../policies/keyPolicyPrincipals";
import { checkKeyPolicy, documentOf, statement } from "../specHelpers";

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

describe("key policy family", () => {
    describe("which resources it judges", () => {
        for (const type of [
            "aws:kms/key:Key",
            "aws:kms/keyPolicy:KeyPolicy",
            "aws:kms/externalKey:ExternalKey",
            "aws:kms/replicaKey:ReplicaKey",
            "aws:kms/replicaExternalKey:ReplicaExternalKey",
        ]) {
            it(`judges the policy of ${type}`, async () => {
                const open = documentOf(statement({ Sid: "Open", Principal: "*", Action: "kms:Decrypt" }));
                assert.strictEqual((await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, open, {}, type)).length, 1);
            });
        }

        it("passes other resource types without a verdict", async () => {
            // A bucket policy open to anyone: not a key policy, so not judged (nor reported as not applicable).
            const outcome = await runResourcePolicy(kmsKeyPolicyNoPublicPrincipal, {
                type: "aws:s3/bucket:Bucket",
                name: "b",
                inputs: { policy: documentOf(statement({ Sid: "Open", Principal: "*", Action: "kms:Decrypt" })) },
            });
            assert.deepStrictEqual(outcome, { violations: [] });
        });

        it("does not apply to a key without a policy input (kms-key-explicit-policy reports that)", async () => {
            const outcome = await runResourcePolicy(kmsKeyPolicyNoFullAccess, {
                type: "aws:kms/key:Key",
                name: "k",
                inputs: {},
            });
            assert.deepStrictEqual(outcome.violations, []);
            assert.strictEqual(
                outcome.notApplicable,
                "the resource has no policy input; AWS applies its default key policy (see kms-key-explicit-policy)",
            );
        });

        it("does not apply to a key whose policy input is null", async () => {
            const outcome = await runResourcePolicy(kmsKeyPolicyNoLockout, {
                type: "aws:kms/key:Key",
                name: "k",
                inputs: { policy: null },
            });
            assert.deepStrictEqual(outcome.violations, []);
            assert.strictEqual(
                outcome.notApplicable,
                "the resource has no policy input; AWS applies its default key policy (see kms-key-explicit-policy)",
            );
        });

        it("reports a policy that is not valid JSON, saying where it fails", async () => {
            const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}';
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, text), [
                "The key policy is not valid JSON: expected a property name in double quotes at line 4, " +
                    "column 24. Fix the policy document: no rule can judge it until it parses.",
            ]);
        });

        it("reports a JSON document that is not a policy", async () => {
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyNoLockout, { Statement: [{ Effect: "Permit", Action: "kms:*" }] }),
                [
                    'The key policy is not a policy document: Statement[0].Effect must be "Allow" or "Deny", got "Permit". ' +
                        "Fix the policy document: no rule can judge it until it parses.",
                ],
            );
        });
    });
});
