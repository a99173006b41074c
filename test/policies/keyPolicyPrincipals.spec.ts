import * as assert from "assert";

import {
    findPublicPrincipals,
    findUntrustedAccounts,
    kmsKeyPolicyNoNotElements,
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyPolicyTrustedAccounts,
} from "../../policies/keyPolicyPrincipals";
import { keyPolicy } from "./programResources";
import { ADMIN, OTHER_ACCOUNT_ROLE, USER, analysed, checkKeyPolicy, documentOf, statement } from "./specHelpers";

const good = keyPolicy({ service: "rds" });
const VIA_RDS = { StringEquals: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } };

describe("key policy family", () => {
    describe("kms-key-policy-no-public-principal", () => {
        const fix =
            "Name the principals instead, or add a StringEquals condition on kms:CallerAccount, aws:PrincipalAccount, " +
            "aws:PrincipalOrgID or aws:SourceAccount.";

        it("passes the program's policy", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, good), []);
        });

        it('flags Principal "*" without a condition', async () => {
            const doc = documentOf(statement({ Sid: "Open", Principal: "*", Action: "kms:Decrypt" }));
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc), [
                `Statement "Open" allows Principal "*" (anyone) without a condition that pins the caller to an account or ` +
                    `organisation. ${fix}`,
            ]);
        });

        it('flags {"AWS": ["*"]} scoped only by kms:ViaService, and names a statement without Sid by position', async () => {
            const doc = documentOf(
                statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" }),
                statement({ Principal: { AWS: ["*"] }, Action: "kms:Decrypt", Condition: VIA_RDS }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc), [
                `Statement #2 allows Principal {"AWS": "*"} (anyone) without a condition that pins the caller to an account ` +
                    `or organisation. ${fix}`,
            ]);
        });

        for (const [title, condition] of [
            ["kms:CallerAccount with StringEquals", { StringEquals: { "kms:CallerAccount": "111111111111" } }],
            [
                "aws:PrincipalOrgID with ForAnyValue:StringLike, any casing",
                { "forAnyValue:stringlike": { "AWS:PRINCIPALORGID": "o-a1b2c3d4e5" } },
            ],
            [
                "aws:PrincipalAccount with a policy variable",
                { StringEquals: { "aws:PrincipalAccount": "${aws:ResourceAccount}" } },
            ],
            ["aws:SourceAccount", { StringEquals: { "aws:SourceAccount": ["111111111111", "222222222222"] } }],
        ] as const) {
            it(`passes anyone pinned by ${title}`, async () => {
                const doc = documentOf(
                    statement({ Sid: "Pinned", Principal: { AWS: "*" }, Action: "kms:Decrypt", Condition: condition }),
                );
                assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc), []);
            });
        }

        for (const [title, condition] of [
            ["a wildcard account", { StringLike: { "aws:PrincipalAccount": "1111*" } }],
            ["StringEqualsIfExists", { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }],
            ["ForAllValues:", { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }],
            ["StringNotEquals", { StringNotEquals: { "kms:CallerAccount": "444455556666" } }],
        ] as const) {
            it(`flags anyone "pinned" by ${title}, which does not pin`, async () => {
                const doc = documentOf(
                    statement({ Sid: "Weak", Principal: "*", Action: "kms:Decrypt", Condition: condition }),
                );
                assert.strictEqual((await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc)).length, 1);
            });
        }

        it("flags an Allow with NotPrincipal, which is open to everyone else", async () => {
            const doc = documentOf(statement({ Sid: "AllBut", NotPrincipal: { AWS: ADMIN }, Action: "kms:Decrypt" }));
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc), [
                `Statement "AllBut" allows everyone except ${ADMIN} (NotPrincipal) without a condition that pins the caller ` +
                    `to an account or organisation. ${fix}`,
            ]);
        });

        it('passes a Deny to Principal "*"', async () => {
            const doc = documentOf(
                ...good.Statement,
                statement({ Sid: "DenyAll", Effect: "Deny", Principal: "*", Action: "kms:Decrypt" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoPublicPrincipal, doc), []);
        });
    });

    describe("kms-key-policy-no-not-elements", () => {
        it("passes the program's policy and a Deny with NotPrincipal", async () => {
            const doc = documentOf(
                ...good.Statement,
                statement({ Effect: "Deny", NotPrincipal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoNotElements, doc), []);
        });

        it("flags NotPrincipal, NotAction and NotResource in an Allow", async () => {
            const doc = documentOf(
                statement({ Sid: "Np", NotPrincipal: { AWS: ADMIN }, Action: "kms:DescribeKey" }),
                statement({ Sid: "Na", Principal: { AWS: USER }, NotAction: "kms:PutKeyPolicy" }),
                {
                    Sid: "Nr",
                    Effect: "Allow",
                    Principal: { AWS: USER },
                    Action: "kms:DescribeKey",
                    NotResource: "arn:aws:kms:*:*:key/x",
                },
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoNotElements, doc), [
                'Statement "Np" is an Allow with NotPrincipal: it allows every principal except the ones listed, anonymous ' +
                    "callers included. List the allowed principals under Principal instead.",
                'Statement "Na" is an Allow with NotAction: it grants every action except the ones listed, including actions ' +
                    "AWS adds later. List the granted actions under Action instead.",
                'Statement "Nr" is an Allow with NotResource, which a key policy never needs and which hides what is granted. ' +
                    'Use "Resource": "*", which in a key policy means this key.',
            ]);
        });
    });

    describe("kms-key-policy-trusted-accounts", () => {
        it("passes the program's policy, with its account allowed or with no list", async () => {
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, good, { allowedAccountIds: ["111111111111"] }),
                [],
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, good), []);
        });

        it("flags a principal of an account that is not allowed", async () => {
            const doc = documentOf(
                ...good.Statement,
                statement({
                    Sid: "Partner",
                    Principal: { AWS: OTHER_ACCOUNT_ROLE },
                    Action: "kms:Decrypt",
                    Condition: VIA_RDS,
                }),
            );
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, doc, { allowedAccountIds: ["111111111111"] }),
                [
                    `Statement "Partner" allows ${OTHER_ACCOUNT_ROLE} of account 444455556666, which is not in allowedAccountIds ` +
                        `(111111111111). Remove it, or add the account to allowedAccountIds if it is trusted.`,
                ],
            );
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, doc, {
                    allowedAccountIds: ["111111111111", "444455556666"],
                }),
                [],
            );
        });

        it("without a list, flags every account but the one most principals belong to", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Partner",
                    Principal: { AWS: OTHER_ACCOUNT_ROLE },
                    Action: "kms:Decrypt",
                    Condition: VIA_RDS,
                }),
                ...good.Statement,
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, doc), [
                `Statement "Partner" allows ${OTHER_ACCOUNT_ROLE} of account 444455556666, but the policy's other principals ` +
                    `belong to account 111111111111. Keep a key policy within one account, or list every trusted account in ` +
                    `allowedAccountIds.`,
            ]);
        });

        it("without a list, breaks a tie by the lowest account id, whatever the statement order", async () => {
            const a = statement({
                Sid: "A",
                Principal: { AWS: "arn:aws:iam::222222222222:role/A" },
                Action: "kms:DescribeKey",
            });
            const b = statement({
                Sid: "B",
                Principal: { AWS: "arn:aws:iam::111111111111:role/B" },
                Action: "kms:DescribeKey",
            });
            const expected = [
                `Statement "A" allows arn:aws:iam::222222222222:role/A of account 222222222222, but the policy's other ` +
                    `principals belong to account 111111111111. Keep a key policy within one account, or list every trusted ` +
                    `account in allowedAccountIds.`,
            ];
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, documentOf(a, b)), expected);
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, documentOf(b, a)), expected);
        });

        it("flags a principal whose account cannot be read, and the accounts a public statement is pinned to", async () => {
            const doc = documentOf(
                statement({ Sid: "Orphan", Principal: { AWS: "AROAEXAMPLEID123" }, Action: "kms:DescribeKey" }),
                statement({
                    Sid: "Pinned",
                    Principal: "*",
                    Action: "kms:DescribeKey",
                    Condition: { StringEquals: { "kms:CallerAccount": "444455556666" } },
                }),
                statement({
                    Sid: "DenyPartner",
                    Effect: "Deny",
                    Principal: { AWS: OTHER_ACCOUNT_ROLE },
                    Action: "kms:*",
                }),
            );
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyTrustedAccounts, doc, { allowedAccountIds: ["111111111111"] }),
                [
                    'Statement "Orphan" allows AROAEXAMPLEID123, whose account cannot be read from it (a unique id such as AROA... ' +
                        "appears when the role it named has been deleted). Use the principal's full ARN.",
                    'Statement "Pinned" allows callers of account 444455556666 (condition kms:CallerAccount) of account ' +
                        "444455556666, which is not in allowedAccountIds (111111111111). Remove it, or add the account to " +
                        "allowedAccountIds if it is trusted.",
                ],
            );
        });
    });
});

describe("key policy checks, on an analysis", () => {
    describe("public principals", () => {
        it("names every public principal of a statement", () => {
            const analysis = analysed(
                statement({ Sid: "Open", Principal: { AWS: "*", Service: "*" }, Action: "kms:Decrypt" }),
            );
            assert.deepStrictEqual(findPublicPrincipals(analysis), [
                `Statement "Open" allows Principal {"AWS": "*"} (anyone) and service principal * without a condition ` +
                    `that pins the caller to an account or organisation. Name the principals instead, or add a ` +
                    `StringEquals condition on kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID or ` +
                    `aws:SourceAccount.`,
            ]);
        });
    });

    describe("trusted accounts", () => {
        const notAllowed = (label: string, who: string, account: string, allowed: string) =>
            `Statement "${label}" allows ${who} of account ${account}, which is not in allowedAccountIds (${allowed}). ` +
            `Remove it, or add the account to allowedAccountIds if it is trusted.`;

        it("ignores service principals, also with no account to compare with", () => {
            const analysis = analysed(
                statement({ Sid: "Service", Principal: { Service: "rds.amazonaws.com" }, Action: "kms:Decrypt" }),
            );
            assert.deepStrictEqual(findUntrustedAccounts(analysis, ["111111111111"]), []);
            assert.deepStrictEqual(findUntrustedAccounts(analysis, []), []);
        });

        it("reads accounts from the conditions of public statements only, and only required account ids", () => {
            const analysis = analysed(
                statement({
                    Sid: "Named",
                    Principal: { AWS: ADMIN },
                    Action: "kms:Decrypt",
                    Condition: { StringEquals: { "kms:CallerAccount": "444455556666" } },
                }),
                statement({
                    Sid: "Mixed",
                    Principal: { AWS: [ADMIN, "*"] },
                    Action: "kms:Decrypt",
                    Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
                }),
                statement({
                    Sid: "Negated",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Condition: {
                        StringNotEquals: { "kms:CallerAccount": "444455556666" },
                        StringEquals: { "aws:PrincipalOrgID": "999999999999" },
                    },
                }),
                statement({
                    Sid: "Pinned",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Condition: { StringEquals: { "kms:CallerAccount": ["111111111111", "${aws:ResourceAccount}"] } },
                }),
            );
            assert.deepStrictEqual(findUntrustedAccounts(analysis, ["111111111111"]), []);
            assert.deepStrictEqual(findUntrustedAccounts(analysis, ["222222222222", "333333333333"]), [
                notAllowed("Named", ADMIN, "111111111111", "222222222222, 333333333333"),
                notAllowed("Mixed", ADMIN, "111111111111", "222222222222, 333333333333"),
                notAllowed(
                    "Mixed",
                    "callers of account 111111111111 (condition kms:CallerAccount)",
                    "111111111111",
                    "222222222222, 333333333333",
                ),
                notAllowed(
                    "Pinned",
                    "callers of account 111111111111 (condition kms:CallerAccount)",
                    "111111111111",
                    "222222222222, 333333333333",
                ),
            ]);
        });

        it("takes the account most principals belong to as the policy's own", () => {
            const analysis = analysed(
                statement({ Sid: "Home", Principal: { AWS: ADMIN }, Action: "kms:Decrypt" }),
                statement({
                    Sid: "Partner",
                    Principal: { AWS: [OTHER_ACCOUNT_ROLE, "arn:aws:iam::444455556666:role/Other"] },
                    Action: "kms:Decrypt",
                }),
            );
            assert.deepStrictEqual(findUntrustedAccounts(analysis, []), [
                `Statement "Home" allows ${ADMIN} of account 111111111111, but the policy's other principals belong to ` +
                    `account 444455556666. Keep a key policy within one account, or list every trusted account in ` +
                    `allowedAccountIds.`,
            ]);
        });
    });
});
