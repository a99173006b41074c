import * as assert from "assert";

import { ResourceSpec, runResourcePolicy } from "../helpers/policyHarness";
import { coversAllKeys, iamNoKmsDecryptOnAllKeys } from "../../policies/iam";
import { check, documentOf, statement } from "./specHelpers";

const KEY_ARN = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const tail =
    "that is on every KMS key (Security Hub KMS.1/KMS.2). Name the ARNs of the keys the principal needs in Resource.";

function policyResource(type: string, policy: unknown): ResourceSpec {
    return { type, name: "p", inputs: { policy: typeof policy === "string" ? policy : JSON.stringify(policy) } };
}

describe("iam-no-kms-decrypt-on-all-keys", () => {
    it("passes decryption on named keys and other actions on all keys", async () => {
        const doc = documentOf(
            statement({ Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN }),
            statement({ Action: ["kms:ListAliases", "kms:DescribeKey", "kms:Encrypt"], Resource: "*" }),
            statement({ Effect: "Deny", Action: "kms:*", Resource: "*" }),
        );
        assert.deepStrictEqual(await check(iamNoKmsDecryptOnAllKeys, policyResource("aws:iam/policy:Policy", doc)), []);
    });

    it("flags kms:Decrypt on Resource *", async () => {
        const doc = documentOf(statement({ Sid: "Read", Action: "kms:Decrypt", Resource: "*" }));
        assert.deepStrictEqual(await check(iamNoKmsDecryptOnAllKeys, policyResource("aws:iam/policy:Policy", doc)), [
            `The policy, statement "Read", allows kms:Decrypt on Resource "*", ${tail}`,
        ]);
    });

    it("flags wildcards that cover Decrypt or ReEncryptFrom, and patterns that cover every key", async () => {
        const doc = documentOf(
            statement({ Sid: "Star", Action: "*", Resource: "arn:aws:kms:*:*:key/*" }),
            statement({
                Sid: "Re",
                Action: ["kms:ReEncrypt*", "kms:Describe*"],
                Resource: ["arn:aws:kms:*:111122223333:*", KEY_ARN],
            }),
            statement({ Sid: "NotRes", Action: "kms:decrypt", NotResource: KEY_ARN, Resource: undefined }),
        );
        assert.deepStrictEqual(
            await check(iamNoKmsDecryptOnAllKeys, policyResource("aws:iam/rolePolicy:RolePolicy", doc)),
            [
                `The policy, statement "Star", allows kms:Decrypt and kms:ReEncryptFrom (through "*") on Resource ` +
                    `"arn:aws:kms:*:*:key/*", ${tail}`,
                `The policy, statement "Re", allows kms:ReEncryptFrom (through "kms:ReEncrypt*") on Resource ` +
                    `"arn:aws:kms:*:111122223333:*", ${tail}`,
                `The policy, statement "NotRes", allows kms:Decrypt on NotResource ["${KEY_ARN}"] (every resource but those), ${tail}`,
            ],
        );
    });

    it("names every pattern that grants decryption unless all are the exact actions, and NotAction", async () => {
        const doc = documentOf(
            statement({
                Sid: "Exact",
                Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
                Resource: ["*", KEY_ARN, "arn:aws:kms:*:*:key/*"],
            }),
            statement({ Sid: "Patterns", Action: ["kms:Decrypt", "kms:ReEncrypt*"], Resource: "*" }),
            statement({ Sid: "Not", NotAction: "kms:Encrypt", Resource: "*" }),
            statement({ Sid: "NoResource", Action: "kms:Decrypt", Resource: undefined }),
        );
        assert.deepStrictEqual(await check(iamNoKmsDecryptOnAllKeys, policyResource("aws:iam/policy:Policy", doc)), [
            `The policy, statement "Exact", allows kms:Decrypt and kms:ReEncryptFrom on Resource "*", ` +
                `"arn:aws:kms:*:*:key/*", ${tail}`,
            `The policy, statement "Patterns", allows kms:Decrypt and kms:ReEncryptFrom (through "kms:Decrypt", ` +
                `"kms:ReEncrypt*") on Resource "*", ${tail}`,
            `The policy, statement "Not", allows kms:Decrypt and kms:ReEncryptFrom (through NotAction) on Resource "*", ${tail}`,
        ]);
    });

    it("numbers an unnamed inline policy by its place, skips empty ones, and passes a role without any", async () => {
        const broad = JSON.stringify(documentOf(statement({ Action: "kms:Decrypt", Resource: "*" })));
        const role = (inputs: Record<string, unknown>): ResourceSpec => ({
            type: "aws:iam/role:Role",
            name: "r",
            inputs: { assumeRolePolicy: "{}", ...inputs },
        });
        assert.deepStrictEqual(
            await check(
                iamNoKmsDecryptOnAllKeys,
                role({ inlinePolicies: [{ name: "empty", policy: "" }, {}, { policy: broad }] }),
            ),
            [`Inline policy #3, statement #1, allows kms:Decrypt on Resource "*", ${tail}`],
        );
        assert.deepStrictEqual(await check(iamNoKmsDecryptOnAllKeys, role({})), []);
    });

    it("judges user, group and role inline policies, and the object form of a document", async () => {
        const doc = documentOf(statement({ Action: ["kms:Decrypt"], Resource: "*" }));
        for (const type of ["aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]) {
            assert.strictEqual((await check(iamNoKmsDecryptOnAllKeys, policyResource(type, doc))).length, 1);
        }
        const objectForm: ResourceSpec = { type: "aws:iam/policy:Policy", name: "p", inputs: { policy: doc } };
        assert.strictEqual((await check(iamNoKmsDecryptOnAllKeys, objectForm)).length, 1);
        const role: ResourceSpec = {
            type: "aws:iam/role:Role",
            name: "r",
            inputs: {
                assumeRolePolicy: "{}",
                inlinePolicies: [
                    {
                        name: "fine",
                        policy: JSON.stringify(documentOf(statement({ Action: "kms:Decrypt", Resource: KEY_ARN }))),
                    },
                    { name: "broad", policy: JSON.stringify(doc) },
                    {},
                ],
            },
        };
        assert.deepStrictEqual(await check(iamNoKmsDecryptOnAllKeys, role), [
            `Inline policy "broad", statement #1, allows kms:Decrypt on Resource "*", ${tail}`,
        ]);
    });

    it("reports a policy that does not parse, and passes other types without a verdict", async () => {
        assert.deepStrictEqual(
            await check(iamNoKmsDecryptOnAllKeys, policyResource("aws:iam/policy:Policy", '{"Statement": [')),
            ['The policy is not valid JSON: expected "]" at line 1, column 16. Fix the policy document.'],
        );
        // A key policy that would break the rule in an identity policy: not an identity policy, so not judged.
        const outcome = await runResourcePolicy(iamNoKmsDecryptOnAllKeys, {
            type: "aws:kms/key:Key",
            name: "k",
            inputs: { policy: '{"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}' },
        });
        assert.deepStrictEqual(outcome, { violations: [] });
    });

    describe("coversAllKeys", () => {
        for (const pattern of [
            "*",
            "arn:*",
            "arn:aws:kms:*",
            "arn:aws:kms:*:*:key/*",
            "arn:aws:kms:*:111122223333:*",
            "arn:aws:kms:eu-west-1*",
            "arn:aws:*:*:*:*",
            "arn:aws:kms:us-east-?:*:key/?*",
            "*aws*",
            "*-1*",
            "*2*",
        ]) {
            it(`${pattern} covers every key`, () => assert.strictEqual(coversAllKeys(pattern), true));
        }
        for (const pattern of [
            KEY_ARN,
            "arn:aws:kms:*:*:key/1234abcd-*",
            "arn:aws:kms:*:*:alias/*",
            "arn:aws:s3:::*",
            "arn:aws:kms:*:*:key/mrk-*",
            "arn:aws:kms:*:*:key/?",
            // A character before the first ":" that only an empty partition would leave room for.
            "arn?:*",
        ]) {
            it(`${pattern} does not`, () => assert.strictEqual(coversAllKeys(pattern), false));
        }
    });
});
