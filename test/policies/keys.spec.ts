import * as assert from "assert";

import {
    ResourceSpec,
    UNKNOWN,
    resolveConfig,
    runResourcePolicy,
    runStackPolicy,
    urnOf,
} from "../helpers/policyHarness";
import {
    kmsAliasNaming,
    kmsKeyDeletionWindow,
    kmsKeyExplicitPolicy,
    kmsKeyHasAlias,
    kmsKeyProtected,
    kmsKeyRequiredTags,
    kmsKeyRotationEnabled,
} from "../../policies/keys";
import { keyInputs } from "./programResources";
import { check } from "./specHelpers";

const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";

function key(inputs: Record<string, unknown>, type = KEY): ResourceSpec {
    return { type, name: "key", inputs };
}

describe("key policies of the pack", () => {
    describe("kms-key-rotation-enabled", () => {
        it("passes the program's keys, and an unset period within the maximum", async () => {
            assert.deepStrictEqual(await check(kmsKeyRotationEnabled, key(keyInputs("production", "rds"))), []);
            assert.deepStrictEqual(await check(kmsKeyRotationEnabled, key({ enableKeyRotation: true })), []);
        });

        it("flags rotation that is off or unset", async () => {
            assert.deepStrictEqual(
                await check(
                    kmsKeyRotationEnabled,
                    key({ ...keyInputs("production", "rds"), enableKeyRotation: false }),
                ),
                [
                    "Automatic key rotation is off (enableKeyRotation is false). Set enableKeyRotation: true, and " +
                        "rotationPeriodInDays between 90 and 365.",
                ],
            );
            assert.deepStrictEqual(
                await check(kmsKeyRotationEnabled, key({ keyUsage: "ENCRYPT_DECRYPT" }), {
                    maxRotationPeriodInDays: 180,
                }),
                [
                    "Automatic key rotation is off (enableKeyRotation is unset). Set enableKeyRotation: true, and " +
                        "rotationPeriodInDays between 90 and 180.",
                ],
            );
        });

        it("flags a rotation period above the maximum, including AWS's default of 365 when unset", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyRotationEnabled, key({ enableKeyRotation: true, rotationPeriodInDays: 400 })),
                [
                    "rotationPeriodInDays is 400, longer than the maximum of 365 days. Set rotationPeriodInDays between 90 and 365.",
                ],
            );
            assert.deepStrictEqual(
                await check(kmsKeyRotationEnabled, key({ enableKeyRotation: true }), { maxRotationPeriodInDays: 180 }),
                [
                    "rotationPeriodInDays is unset (AWS default 365), longer than the maximum of 180 days. Set " +
                        "rotationPeriodInDays between 90 and 180.",
                ],
            );
        });

        for (const [inputs, reason] of [
            [
                { customerMasterKeySpec: "RSA_2048" },
                'customerMasterKeySpec is "RSA_2048": AWS KMS rotates only symmetric encryption keys (SYMMETRIC_DEFAULT), not asymmetric or HMAC keys',
            ],
            [
                { customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" },
                'customerMasterKeySpec is "HMAC_256": AWS KMS rotates only symmetric encryption keys (SYMMETRIC_DEFAULT), not asymmetric or HMAC keys',
            ],
            [
                { keySpec: "ECC_NIST_P256" },
                'keySpec is "ECC_NIST_P256": AWS KMS rotates only symmetric encryption keys (SYMMETRIC_DEFAULT), not asymmetric or HMAC keys',
            ],
            [{ keyUsage: "SIGN_VERIFY" }, 'keyUsage is "SIGN_VERIFY": AWS KMS rotates only ENCRYPT_DECRYPT keys'],
            [
                { customKeyStoreId: "cks-1234567890abcdef0" },
                "the key is in a custom key store: AWS KMS cannot rotate its material automatically",
            ],
            [
                { xksKeyId: "ext-key-1" },
                "the key is in a custom key store: AWS KMS cannot rotate its material automatically",
            ],
        ] as const) {
            it(`does not apply to ${JSON.stringify(inputs)}, which AWS cannot rotate`, async () => {
                const outcome = await runResourcePolicy(
                    kmsKeyRotationEnabled,
                    key({ ...inputs, enableKeyRotation: false }),
                );
                assert.deepStrictEqual(outcome.violations, []);
                assert.strictEqual(outcome.notApplicable, reason);
            });
        }

        it("never judges aws.kms.ExternalKey (imported material cannot rotate automatically)", async () => {
            const outcome = await runResourcePolicy(
                kmsKeyRotationEnabled,
                key({ enabled: true }, "aws:kms/externalKey:ExternalKey"),
            );
            assert.deepStrictEqual(outcome.violations, []);
            assert.strictEqual(outcome.notApplicable, "Policy only applies to resources of type 'aws:kms/key:Key'");
        });

        it("accepts a maximum from 90 to 2560 days only", () => {
            assert.deepStrictEqual(resolveConfig(kmsKeyRotationEnabled, { maxRotationPeriodInDays: 2560 }), {
                maxRotationPeriodInDays: 2560,
            });
            assert.throws(() => resolveConfig(kmsKeyRotationEnabled, { maxRotationPeriodInDays: 89 }), /must be >= 90/);
            assert.throws(
                () => resolveConfig(kmsKeyRotationEnabled, { maxRotationPeriodInDays: 2561 }),
                /must be <= 2560/,
            );
        });
    });

    describe("kms-key-deletion-window", () => {
        it("passes 7, 30 and unset (30) by default, and the program's window in each stack's range", async () => {
            for (const deletionWindowInDays of [7, 30, undefined]) {
                assert.deepStrictEqual(await check(kmsKeyDeletionWindow, key({ deletionWindowInDays })), []);
            }
            assert.deepStrictEqual(
                await check(kmsKeyDeletionWindow, key(keyInputs("production", "rds")), { minDeletionWindowInDays: 30 }),
                [],
            );
            assert.deepStrictEqual(
                await check(kmsKeyDeletionWindow, key(keyInputs("staging", "rds")), { minDeletionWindowInDays: 14 }),
                [],
            );
        });

        it("flags 6 and 31 days", async () => {
            assert.deepStrictEqual(await check(kmsKeyDeletionWindow, key({ deletionWindowInDays: 6 })), [
                "deletionWindowInDays is 6, outside the allowed 7-30 days. Set deletionWindowInDays between 7 and 30.",
            ]);
            assert.deepStrictEqual(await check(kmsKeyDeletionWindow, key({ deletionWindowInDays: 31 })), [
                "deletionWindowInDays is 31, outside the allowed 7-30 days. Set deletionWindowInDays between 7 and 30.",
            ]);
        });

        it("flags a window outside a tighter stack range, and AWS's default of 30 when unset", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyDeletionWindow, key({ deletionWindowInDays: 14 }), { minDeletionWindowInDays: 30 }),
                [
                    "deletionWindowInDays is 14, outside the allowed 30-30 days. Set deletionWindowInDays between 30 and 30.",
                ],
            );
            assert.deepStrictEqual(await check(kmsKeyDeletionWindow, key({}), { maxDeletionWindowInDays: 14 }), [
                "deletionWindowInDays is unset (AWS default 30), outside the allowed 7-14 days. Set deletionWindowInDays " +
                    "between 7 and 14.",
            ]);
        });

        for (const type of [
            "aws:kms/externalKey:ExternalKey",
            "aws:kms/replicaKey:ReplicaKey",
            "aws:kms/replicaExternalKey:ReplicaExternalKey",
        ]) {
            it(`applies to ${type}`, async () => {
                assert.strictEqual(
                    (await check(kmsKeyDeletionWindow, key({ deletionWindowInDays: 5 }, type))).length,
                    1,
                );
            });
        }

        it("reports an inconsistent config instead of judging", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyDeletionWindow, key({ deletionWindowInDays: 20 }), {
                    minDeletionWindowInDays: 30,
                    maxDeletionWindowInDays: 14,
                }),
                [
                    "The policy config is inconsistent: minDeletionWindowInDays (30) is greater than maxDeletionWindowInDays " +
                        "(14). Fix the kms-key-deletion-window entry of the policy pack config.",
                ],
            );
        });

        it("accepts config bounds from 7 to 30 days only", () => {
            assert.throws(() => resolveConfig(kmsKeyDeletionWindow, { minDeletionWindowInDays: 6 }), /must be >= 7/);
            assert.throws(() => resolveConfig(kmsKeyDeletionWindow, { maxDeletionWindowInDays: 31 }), /must be <= 30/);
        });
    });

    describe("kms-key-required-tags", () => {
        it("passes the program's keys", async () => {
            assert.deepStrictEqual(await check(kmsKeyRequiredTags, key(keyInputs("development", "es"))), []);
        });

        it("flags missing and empty tags", async () => {
            const tags = { Name: "aurora-postgres-kms-key", Service: "  ", ManagedBy: "" };
            assert.deepStrictEqual(await check(kmsKeyRequiredTags, key({ tags })), [
                "Required tags are missing Environment; empty Service, ManagedBy. Add them to the key's tags with non-empty " +
                    "values (required: Name, Environment, Service, ManagedBy).",
            ]);
            assert.deepStrictEqual(await check(kmsKeyRequiredTags, key({ tags: { ...tags, Environment: null } })), [
                "Required tags are empty Environment, Service, ManagedBy. Add them to the key's tags with non-empty " +
                    "values (required: Name, Environment, Service, ManagedBy).",
            ]);
            assert.deepStrictEqual(await check(kmsKeyRequiredTags, key({})), [
                "Required tags are missing Name, Environment, Service, ManagedBy. Add them to the key's tags with non-empty " +
                    "values (required: Name, Environment, Service, ManagedBy).",
            ]);
        });

        it("uses the configured tag keys", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyRequiredTags, key({ tags: { Owner: "platform" } }), { requiredTags: ["Owner"] }),
                [],
            );
            assert.deepStrictEqual(
                await check(kmsKeyRequiredTags, key({ tags: { Name: "x" } }), { requiredTags: ["CostCenter"] }),
                [
                    "Required tags are missing CostCenter. Add them to the key's tags with non-empty values (required: CostCenter).",
                ],
            );
        });
    });

    describe("kms-key-protected", () => {
        const message =
            "The key is not protected: a pulumi destroy, or a change that replaces it, would schedule its deletion. Set " +
            "protect: true in the key's resource options.";

        it("passes a protected key and flags an unprotected one", async () => {
            assert.deepStrictEqual(await check(kmsKeyProtected, { ...key({}), protect: true }), []);
            assert.deepStrictEqual(await check(kmsKeyProtected, { ...key({}), protect: false }), [message]);
            assert.deepStrictEqual(
                await check(kmsKeyProtected, { ...key({}, "aws:kms/replicaKey:ReplicaKey"), protect: false }),
                [message],
            );
        });

        it("does not apply where requireProtect is false", async () => {
            const outcome = await runResourcePolicy(
                kmsKeyProtected,
                { ...key({}), protect: false },
                { requireProtect: false },
            );
            assert.deepStrictEqual(outcome.violations, []);
            assert.strictEqual(outcome.notApplicable, "requireProtect is false in this stack's policy config");
        });
    });

    describe("kms-alias-naming", () => {
        const alias = (inputs: Record<string, unknown>): ResourceSpec => ({
            type: ALIAS,
            name: "alias",
            inputs: { targetKeyId: UNKNOWN, ...inputs },
        });

        it("passes the program's aliases", async () => {
            assert.deepStrictEqual(
                await check(kmsAliasNaming, alias({ name: "alias/aurora-postgres-serverless-v2" })),
                [],
            );
            assert.deepStrictEqual(await check(kmsAliasNaming, alias({ namePrefix: "alias/opensearch-" })), []);
        });

        it("flags a name without alias/ and a name in the reserved alias/aws/", async () => {
            assert.deepStrictEqual(await check(kmsAliasNaming, alias({ name: "aurora" })), [
                'Alias name "aurora" does not begin with "alias/", which AWS requires. Use "alias/aurora".',
            ]);
            assert.deepStrictEqual(await check(kmsAliasNaming, alias({ namePrefix: "alias/aws/rds-" })), [
                'Alias namePrefix "alias/aws/rds-" begins with "alias/aws/", which AWS reserves for AWS managed keys. Choose a ' +
                    "name outside alias/aws/.",
            ]);
        });

        it("suggests the name with its leading slashes removed", async () => {
            assert.deepStrictEqual(await check(kmsAliasNaming, alias({ name: "//team/aurora" })), [
                'Alias name "//team/aurora" does not begin with "alias/", which AWS requires. Use "alias/team/aurora".',
            ]);
            assert.deepStrictEqual(await check(kmsAliasNaming, alias({ name: "team/aurora" })), [
                'Alias name "team/aurora" does not begin with "alias/", which AWS requires. Use "alias/team/aurora".',
            ]);
        });
    });

    describe("kms-key-has-alias (stack)", () => {
        const keyUrn = urnOf(KEY, "aurora-key");
        const keySpec = (outputs: Record<string, unknown>, name = "aurora-key"): ResourceSpec => ({
            type: KEY,
            name,
            inputs: {},
            outputs,
        });

        it("links an alias to its key by property dependency while ids are unknown (preview)", async () => {
            const stack = [
                keySpec({ id: UNKNOWN, keyId: UNKNOWN, arn: UNKNOWN }),
                {
                    type: ALIAS,
                    name: "a",
                    inputs: {},
                    outputs: { name: "alias/a", targetKeyId: UNKNOWN },
                    propertyDependencies: { targetKeyId: [keyUrn] },
                },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsKeyHasAlias, stack), { violations: [] });
        });

        it("links an alias to its key by id, key id or ARN when no dependency is recorded", async () => {
            for (const targetKeyId of [
                "1234abcd-12ab-34cd-56ef-1234567890ab",
                "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ]) {
                const stack = [
                    keySpec({
                        id: "1234abcd-12ab-34cd-56ef-1234567890ab",
                        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
                        arn: "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    }),
                    { type: ALIAS, name: "a", inputs: {}, outputs: { name: "alias/a", targetKeyId } },
                ];
                assert.deepStrictEqual(await runStackPolicy(kmsKeyHasAlias, stack), { violations: [] });
            }
        });

        it("links by id alone or by key id alone, and only from an aws.kms.Alias", async () => {
            for (const outputs of [{ id: "k-1" }, { keyId: "k-1" }]) {
                const stack = [
                    keySpec(outputs),
                    { type: ALIAS, name: "a", inputs: {}, outputs: { name: "alias/a", targetKeyId: "k-1" } },
                ];
                assert.deepStrictEqual(await runStackPolicy(kmsKeyHasAlias, stack), { violations: [] });
            }
            const notAnAlias = [
                keySpec({ id: "k-1", keyId: "k-1" }),
                { type: "aws:ssm/parameter:Parameter", name: "p", inputs: {}, outputs: { targetKeyId: "k-1" } },
            ];
            const outcome = await runStackPolicy(kmsKeyHasAlias, notAnAlias);
            assert.deepStrictEqual(
                outcome.violations.map((v) => v.urn),
                [keyUrn],
            );
        });

        it("flags a key no alias targets, against the key's URN", async () => {
            const stack = [
                keySpec({ id: "k1", keyId: "k1", arn: "arn:k1" }),
                keySpec({ id: "k2", keyId: "k2", arn: "arn:k2" }, "opensearch-key"),
                {
                    type: "aws:kms/replicaKey:ReplicaKey",
                    name: "replica",
                    inputs: {},
                    outputs: { id: "k3", keyId: "k3", arn: "arn:k3" },
                },
                { type: ALIAS, name: "a", inputs: {}, outputs: { name: "alias/a", targetKeyId: "k1" } },
            ];
            const outcome = await runStackPolicy(kmsKeyHasAlias, stack);
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.policy, v.urn, v.message]),
                [
                    [
                        "kms-key-has-alias",
                        urnOf(KEY, "opensearch-key"),
                        'Key "opensearch-key" has no alias: no aws.kms.Alias in this stack targets it. Add an aws.kms.Alias whose ' +
                            "targetKeyId is this key's keyId, so that people and services can refer to it by name.",
                    ],
                    [
                        "kms-key-has-alias",
                        urnOf("aws:kms/replicaKey:ReplicaKey", "replica"),
                        'ReplicaKey "replica" has no alias: no aws.kms.Alias in this stack targets it. Add an aws.kms.Alias whose ' +
                            "targetKeyId is this key's keyId, so that people and services can refer to it by name.",
                    ],
                ],
            );
        });

        it("does not apply to a stack without keys", async () => {
            const outcome = await runStackPolicy(kmsKeyHasAlias, [{ type: ALIAS, name: "a", inputs: {} }]);
            assert.strictEqual(outcome.notApplicable, "the stack has no KMS keys");
        });
    });

    describe("kms-key-explicit-policy (stack)", () => {
        const keyUrn = urnOf(KEY, "bare");
        const message =
            'Key "bare" has no explicit key policy (no policy input, and no aws.kms.KeyPolicy in this stack targets it), so ' +
            "AWS applies its default policy, which gives the account root every KMS action. Set the key's policy, or attach " +
            "an aws.kms.KeyPolicy.";
        const defaultPolicy = JSON.stringify({
            Version: "2012-10-17",
            Id: "key-default-1",
            Statement: [
                {
                    Sid: "Enable IAM User Permissions",
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::111111111111:root" },
                    Action: "kms:*",
                    Resource: "*",
                },
            ],
        });

        it("passes a key with its own policy, known or set from other resources' outputs", async () => {
            const own: ResourceSpec = {
                type: KEY,
                name: "bare",
                inputs: {},
                outputs: { policy: keyInputs("production", "rds").policy, id: UNKNOWN },
            };
            assert.deepStrictEqual(await runStackPolicy(kmsKeyExplicitPolicy, [own]), { violations: [] });
            const fromOutputs: ResourceSpec = {
                type: KEY,
                name: "bare",
                inputs: {},
                outputs: { policy: UNKNOWN },
                propertyDependencies: { policy: [urnOf("aws:iam/role:Role", "admin")] },
            };
            const role: ResourceSpec = {
                type: "aws:iam/role:Role",
                name: "admin",
                inputs: {},
                outputs: { arn: UNKNOWN },
            };
            assert.deepStrictEqual(await runStackPolicy(kmsKeyExplicitPolicy, [role, fromOutputs]), { violations: [] });
        });

        it("counts a policy in object form, or one that does not parse (other policies judge it), as its own", async () => {
            for (const policy of [
                JSON.parse(keyInputs("production", "rds").policy as string),
                '{"Id": "key-default-1"',
                // The default policy's Id as text, but not as the document's Id.
                '{"Id": "not-key-default-1", "Statement": []}',
            ]) {
                const outcome = await runStackPolicy(kmsKeyExplicitPolicy, [
                    { type: KEY, name: "bare", inputs: {}, outputs: { policy } },
                ]);
                assert.deepStrictEqual(outcome, { violations: [] });
            }
        });

        it("flags a key without a policy: computed in a preview, AWS's default after an update", async () => {
            const escapedDefault = defaultPolicy.replace('"key-default-1"', '"key\\u002ddefault-1"');
            for (const outputs of [
                { policy: UNKNOWN, id: UNKNOWN },
                { policy: defaultPolicy, id: "k" },
                { policy: escapedDefault, id: "k" },
                { policy: "" },
                { policy: " \n" },
                {},
            ]) {
                const outcome = await runStackPolicy(kmsKeyExplicitPolicy, [
                    { type: KEY, name: "bare", inputs: {}, outputs },
                ]);
                assert.deepStrictEqual(
                    outcome.violations.map((v) => [v.urn, v.message]),
                    [[keyUrn, message]],
                );
            }
        });

        it("passes a key without a policy that an aws.kms.KeyPolicy targets, by dependency or by id", async () => {
            const byDependency: ResourceSpec[] = [
                {
                    type: KEY,
                    name: "bare",
                    inputs: {},
                    outputs: { policy: UNKNOWN, id: UNKNOWN, keyId: UNKNOWN, arn: UNKNOWN },
                },
                {
                    type: "aws:kms/keyPolicy:KeyPolicy",
                    name: "p",
                    inputs: {},
                    outputs: { keyId: UNKNOWN, policy: "{}" },
                    propertyDependencies: { keyId: [keyUrn] },
                },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsKeyExplicitPolicy, byDependency), { violations: [] });
            const byId: ResourceSpec[] = [
                {
                    type: KEY,
                    name: "bare",
                    inputs: {},
                    outputs: {
                        policy: defaultPolicy,
                        id: "k-1",
                        keyId: "k-1",
                        arn: "arn:aws:kms:ap-northeast-1:111111111111:key/k-1",
                    },
                },
                { type: "aws:kms/keyPolicy:KeyPolicy", name: "p", inputs: {}, outputs: { keyId: "k-1", policy: "{}" } },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsKeyExplicitPolicy, byId), { violations: [] });
            for (const outputs of [
                { id: "k-1" },
                { keyId: "k-1" },
                { arn: "arn:aws:kms:ap-northeast-1:111111111111:key/k-1" },
            ]) {
                const linked: ResourceSpec[] = [
                    { type: KEY, name: "bare", inputs: {}, outputs: { policy: defaultPolicy, ...outputs } },
                    {
                        type: "aws:kms/keyPolicy:KeyPolicy",
                        name: "p",
                        inputs: {},
                        outputs: { keyId: Object.values(outputs)[0], policy: "{}" },
                    },
                ];
                assert.deepStrictEqual(await runStackPolicy(kmsKeyExplicitPolicy, linked), { violations: [] });
            }
        });

        it("counts only an aws.kms.KeyPolicy as the key's policy", async () => {
            const outcome = await runStackPolicy(kmsKeyExplicitPolicy, [
                { type: KEY, name: "bare", inputs: {}, outputs: { policy: defaultPolicy, id: "k-1", keyId: "k-1" } },
                { type: "aws:kms/grant:Grant", name: "g", inputs: {}, outputs: { keyId: "k-1" } },
            ]);
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.urn, v.message]),
                [[keyUrn, message]],
            );
        });

        it("does not apply to a stack without keys", async () => {
            const outcome = await runStackPolicy(kmsKeyExplicitPolicy, [{ type: ALIAS, name: "a", inputs: {} }]);
            assert.deepStrictEqual(outcome, { violations: [], notApplicable: "the stack has no KMS keys" });
        });
    });
});
