import * as assert from "assert";

import { runResourcePolicy } from "../helpers/policyHarness";
import {
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyAdminRights,
    kmsKeyPolicyGrantsForAwsResources,
    kmsKeyPolicyNoFullAccess,
    kmsKeyPolicyNoLockout,
    kmsKeyPolicyNoNotElements,
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyPolicySeparationOfDuties,
    kmsKeyPolicyServiceScopedUse,
    kmsKeyPolicyTrustedAccounts,
} from "../../policies/keyPolicyRules";
import { KMS_KEY_ACTIONS } from "../../policies/lib/kmsActions";
import { keyPolicy } from "./programResources";
import { bySid } from "../helpers/statements";
import {
    ADMIN,
    DEPLOY,
    OTHER_ACCOUNT_ROLE,
    ROOT,
    USER,
    check,
    checkKeyPolicy,
    documentOf,
    keyWith,
    statement,
} from "./specHelpers";

const good = keyPolicy({ service: "rds" });
const VIA_RDS = { StringEquals: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } };
const FIX_SCOPE = 'Add "Condition": {"StringEquals": {"kms:ViaService": "<service>.<region>.amazonaws.com"}}.';

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

    describe("kms-key-policy-no-full-access", () => {
        const fix =
            "Grant only what each principal needs: key management for administrators, Encrypt/Decrypt/GenerateDataKey* " +
            "through kms:ViaService for users.";

        it("passes the program's policy", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, good), []);
        });

        it('flags "kms:*" to a role', async () => {
            const doc = documentOf(statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: "kms:*" }));
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc), [
                `Statement "Admin" grants every KMS action ("kms:*") to ${ADMIN}. ${fix}`,
            ]);
        });

        it('flags "*" and "KMS:*" in any case, naming each pattern', async () => {
            const doc = documentOf(
                statement({ Sid: "Both", Principal: { AWS: [ADMIN, DEPLOY] }, Action: ["KMS:*", "*", "kms:Decrypt"] }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc), [
                `Statement "Both" grants every KMS action ("KMS:*", "*") to ${ADMIN}, ${DEPLOY}. ${fix}`,
            ]);
        });

        it("flags an Action list that names every key action, and NotAction of another service", async () => {
            const doc = documentOf(
                statement({ Sid: "Listed", Principal: { AWS: ADMIN }, Action: [...KMS_KEY_ACTIONS] }),
                statement({ Sid: "NotS3", Principal: { AWS: ADMIN }, NotAction: "s3:*" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc), [
                `Statement "Listed" grants every KMS action (the Action list names them all) to ${ADMIN}. ${fix}`,
                `Statement "NotS3" grants every KMS action through NotAction to ${ADMIN}. ${fix}`,
            ]);
        });

        it("flags the account root unless allowAccountRootFullAccess, by ARN or by bare account id", async () => {
            const doc = documentOf(
                statement({ Sid: "Root", Principal: { AWS: [ROOT, "222222222222"] }, Action: "kms:*" }),
            );
            const rootMessage = (root: string, account: string) =>
                `Statement "Root" grants every KMS action ("kms:*") to the account root ${root}, which lets any IAM policy ` +
                `in account ${account} grant use of the key, and allowAccountRootFullAccess is false. Remove the statement, ` +
                `or set allowAccountRootFullAccess to true in this policy's config if IAM must manage access to the key.`;
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc), [
                rootMessage(ROOT, "111111111111"),
                rootMessage("222222222222", "222222222222"),
            ]);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc, { allowAccountRootFullAccess: true }),
                [],
            );
        });

        it("passes wildcards that do not cover every action, and a Deny of kms:*", async () => {
            const doc = documentOf(
                statement({ Sid: "Some", Principal: { AWS: ADMIN }, Action: ["kms:*Key*", "kms:Get*", "kms:List*"] }),
                statement({ Sid: "DenyAll", Effect: "Deny", Principal: { AWS: USER }, Action: "kms:*" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoFullAccess, doc), []);
        });
    });

    describe("kms-key-policy-separation-of-duties", () => {
        const fix =
            "Give key administrators and key users separate principals, so that nobody can both rewrite the key's policy " +
            "and use the key.";

        it("passes the program's policy (administrators manage, users use, grants are neither)", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, good), []);
        });

        it("flags an administrator who is also given Decrypt in another statement", async () => {
            const doc = keyPolicy({ service: "rds", users: [USER, ADMIN] });
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), [
                `Separation of duties is broken for ${ADMIN}: it holds cryptographic actions (kms:Decrypt, kms:Encrypt, ` +
                    `kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext and 2 more in statement ` +
                    `"KeyUseThroughIntegratedService"; kms:CreateGrant in statement "GrantsForIntegratedService") and ` +
                    `key-management actions (kms:CancelKeyDeletion, kms:CreateAlias, kms:DeleteAlias, kms:DisableKey and 9 ` +
                    `more in statement "KeyAdministration"). ${fix}`,
            ]);
        });

        it('flags administrators when cryptographic use is granted to "*" in the account: they are users too', async () => {
            const doc = documentOf(
                statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" }),
                statement({
                    Sid: "Everyone",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Condition: {
                        StringEquals: {
                            "kms:ViaService": "rds.ap-northeast-1.amazonaws.com",
                            "kms:CallerAccount": "111111111111",
                        },
                    },
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), [
                `Separation of duties is broken for ${ADMIN}: it holds cryptographic actions (kms:Decrypt in statement ` +
                    `"Everyone") and key-management actions (kms:PutKeyPolicy in statement "Admin"). ${fix}`,
            ]);
        });

        it("flags users when the account root, without allowed full access, holds key management", async () => {
            const doc = documentOf(
                statement({ Sid: "Use", Principal: { AWS: USER }, Action: "kms:Decrypt" }),
                statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:PutKeyPolicy" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), [
                `Separation of duties is broken for ${USER}: it holds cryptographic actions (kms:Decrypt in statement ` +
                    `"Use") and key-management actions (kms:PutKeyPolicy in statement "Root"). ${fix}`,
            ]);
        });

        it('flags "kms:Create*" for an administrator: it includes kms:CreateGrant', async () => {
            const doc = documentOf(
                statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: ["kms:Create*", "kms:PutKeyPolicy"] }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), [
                `Separation of duties is broken for ${ADMIN}: it holds cryptographic actions (kms:CreateGrant in statement ` +
                    `"Admin") and key-management actions (kms:CreateAlias, kms:PutKeyPolicy in statement "Admin"). ${fix}`,
            ]);
        });

        it("treats a bare account id and the root ARN as one principal, exempt only where root access is allowed", async () => {
            const doc = documentOf(
                statement({ Sid: "Use", Principal: { AWS: "111111111111" }, Action: "kms:Decrypt" }),
                statement({ Sid: "Manage", Principal: { AWS: ROOT }, Action: "kms:DisableKey" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), [
                `Separation of duties is broken for account root 111111111111: it holds cryptographic actions (kms:Decrypt ` +
                    `in statement "Use") and key-management actions (kms:DisableKey in statement "Manage"). ${fix}`,
            ]);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc, { allowAccountRootFullAccess: true }),
                [],
            );
        });

        it("passes read-only actions and RevokeGrant/RetireGrant next to cryptographic or management actions", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Users",
                    Principal: { AWS: USER },
                    Action: ["kms:Decrypt", "kms:Describe*", "kms:RevokeGrant", "kms:RetireGrant"],
                    Condition: VIA_RDS,
                }),
                statement({ Sid: "Readers", Principal: { AWS: USER }, Action: ["kms:Get*", "kms:List*"] }),
                statement({
                    Sid: "Admins",
                    Principal: { AWS: ADMIN },
                    Action: ["kms:PutKeyPolicy", "kms:List*", "kms:RetireGrant"],
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicySeparationOfDuties, doc), []);
        });
    });

    describe("kms-key-policy-service-scoped-use", () => {
        it("passes the program's policy, also with allowedViaServices", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, good), []);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, good, {
                    allowedViaServices: ["rds.*.amazonaws.com", "es.*.amazonaws.com"],
                }),
                [],
            );
        });

        it("flags cryptographic use without kms:ViaService", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Use",
                    Principal: { AWS: USER },
                    Action: ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"],
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc), [
                `Statement "Use" allows kms:Decrypt, kms:Encrypt to ${USER} without a kms:ViaService condition, so the key ` +
                    `can be used directly rather than only through an AWS service. ${FIX_SCOPE}`,
            ]);
        });

        it("flags IfExists and ForAllValues:, which also match direct calls", async () => {
            const doc = documentOf(
                statement({
                    Sid: "IfExists",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: { StringEqualsIfExists: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } },
                }),
                statement({
                    Sid: "ForAll",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: {
                        "ForAllValues:StringEquals": { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" },
                    },
                }),
                statement({
                    Sid: "Not",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: { StringNotEquals: { "kms:ViaService": "es.ap-northeast-1.amazonaws.com" } },
                }),
            );
            const tail = "Use StringEquals or StringLike, without IfExists or ForAllValues:.";
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc), [
                `Statement "IfExists" allows kms:Decrypt to ${USER} but tests kms:ViaService only with StringEqualsIfExists, ` +
                    `which also matches calls made directly, which carry no kms:ViaService. ${tail}`,
                `Statement "ForAll" allows kms:Decrypt to ${USER} but tests kms:ViaService only with ` +
                    `ForAllValues:StringEquals, which also matches calls made directly, which carry no kms:ViaService. ${tail}`,
                `Statement "Not" allows kms:Decrypt to ${USER} but tests kms:ViaService only with StringNotEquals, which does ` +
                    `not require the call to come through a service. ${tail}`,
            ]);
        });

        it("passes ForAnyValue:StringLike with the key in any case", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Use",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: { "ForAnyValue:StringLike": { "KMS:VIASERVICE": "rds.*.amazonaws.com" } },
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc), []);
        });

        it("flags a kms:ViaService value that names no service", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Any",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: { StringLike: { "kms:ViaService": ["*", "*.ap-northeast-1.amazonaws.com"] } },
                }),
            );
            const fix = 'Name the service, for example "rds.<region>.amazonaws.com".';
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc), [
                `Statement "Any" scopes ${USER} with kms:ViaService "*", which does not name a service. ${fix}`,
                `Statement "Any" scopes ${USER} with kms:ViaService "*.ap-northeast-1.amazonaws.com", which does not name a ` +
                    `service. ${fix}`,
            ]);
        });

        it("flags a service outside allowedViaServices", async () => {
            const doc = keyPolicy({ service: "es" });
            const message =
                `Statement "KeyUseThroughIntegratedService" allows use through kms:ViaService "es.ap-northeast-1.amazonaws.com", ` +
                `which is not in allowedViaServices (rds.*.amazonaws.com). Use one of those services, or add this one to ` +
                `allowedViaServices.`;
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc, {
                    allowedViaServices: ["rds.*.amazonaws.com"],
                }),
                [message, message.replace("KeyUseThroughIntegratedService", "GrantsForIntegratedService")],
            );
        });

        it("exempts service principals, and the account root where its full access is allowed, and flags anyone", async () => {
            const doc = documentOf(
                statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:*" }),
                statement({
                    Sid: "Logs",
                    Principal: { Service: "logs.ap-northeast-1.amazonaws.com" },
                    Action: "kms:Encrypt*",
                }),
                statement({
                    Sid: "Open",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
                }),
            );
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc, { allowAccountRootFullAccess: true }),
                [
                    `Statement "Open" allows kms:Decrypt to Principal "*" (anyone) without a kms:ViaService condition, so the key ` +
                        `can be used directly rather than only through an AWS service. ${FIX_SCOPE}`,
                ],
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyServiceScopedUse, doc), [
                `Statement "Root" allows kms:CreateGrant, kms:Decrypt, kms:DeriveSharedSecret, kms:Encrypt and 10 more to ` +
                    `account root arn:aws:iam::111111111111:root without a kms:ViaService condition, so the key can be used ` +
                    `directly rather than only through an AWS service. ${FIX_SCOPE}`,
                `Statement "Open" allows kms:Decrypt to Principal "*" (anyone) without a kms:ViaService condition, so the key ` +
                    `can be used directly rather than only through an AWS service. ${FIX_SCOPE}`,
            ]);
        });

        it("does not apply when requireViaService is false", async () => {
            const doc = documentOf(statement({ Sid: "Use", Principal: { AWS: USER }, Action: "kms:Decrypt" }));
            const outcome = await runResourcePolicy(kmsKeyPolicyServiceScopedUse, keyWith(doc), {
                requireViaService: false,
            });
            assert.deepStrictEqual(outcome.violations, []);
            assert.strictEqual(outcome.notApplicable, "requireViaService is false in this stack's policy config");
        });
    });

    describe("kms-key-policy-grants-for-aws-resources", () => {
        const tail =
            'without the condition "Bool": {"kms:GrantIsForAWSResource": "true"}, so a grant can be created for anyone, the ' +
            "grantor included, and used to decrypt. Add that condition so that only AWS services acting for them can " +
            "create grants.";

        it("passes the program's policy, and a boolean true in any key casing", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, good), []);
            const doc = documentOf(
                statement({
                    Sid: "G",
                    Principal: { AWS: USER },
                    Action: "kms:CreateGrant",
                    Condition: { bool: { "KMS:GrantIsForAwsResource": true } },
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, doc), []);
        });

        it("flags CreateGrant without the condition, also through a wildcard", async () => {
            const doc = documentOf(
                statement({ Sid: "Direct", Principal: { AWS: USER }, Action: "kms:CreateGrant", Condition: VIA_RDS }),
                statement({ Sid: "Wild", Principal: { AWS: ADMIN }, Action: ["kms:Create*", "kms:Describe*"] }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, doc), [
                `Statement "Direct" allows kms:CreateGrant to ${USER} ${tail}`,
                `Statement "Wild" allows kms:CreateGrant (through "kms:Create*") to ${ADMIN} ${tail}`,
            ]);
        });

        it('flags "false" and BoolIfExists', async () => {
            const doc = documentOf(
                statement({
                    Sid: "False",
                    Principal: { AWS: USER },
                    Action: "kms:CreateGrant",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "false" } },
                }),
                statement({
                    Sid: "IfExists",
                    Principal: { AWS: USER },
                    Action: "kms:CreateGrant",
                    Condition: { BoolIfExists: { "kms:GrantIsForAWSResource": "true" } },
                }),
            );
            assert.strictEqual((await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, doc)).length, 2);
        });

        it("exempts the account root only where its full access is allowed", async () => {
            const doc = documentOf(statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:*" }));
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, doc), [
                `Statement "Root" allows kms:CreateGrant (through "kms:*") to account root ${ROOT} ${tail}`,
            ]);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyGrantsForAwsResources, doc, { allowAccountRootFullAccess: true }),
                [],
            );
        });
    });

    describe("kms-key-policy-admin-rights", () => {
        const admins = { keyAdministrators: [ADMIN, DEPLOY] };
        const tail = "Only key-administrator roles may change the key policy or schedule the key's deletion.";
        const flagged = (sid: string, rights: string, who: string, reason: string) =>
            `Statement "${sid}" allows ${rights} to ${who}, which is not a key administrator: ${reason}. ${tail}`;

        it("passes the program's policy, with and without keyAdministrators", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyAdminRights, good, admins), []);
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyAdminRights, good), []);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyAdminRights, good, {
                    keyAdministrators: ["arn:aws:iam::111111111111:role/*"],
                }),
                [],
            );
        });

        it("flags administrator rights for anyone, services, federated users and sessions", async () => {
            const session = "arn:aws:sts::111111111111:assumed-role/KmsKeyAdministrator/alice";
            const doc = documentOf(
                statement({
                    Sid: "Anyone",
                    Principal: "*",
                    Action: "kms:PutKeyPolicy",
                    Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
                }),
                statement({
                    Sid: "Service",
                    Principal: { Service: "rds.amazonaws.com" },
                    Action: "kms:ScheduleKeyDeletion",
                }),
                statement({
                    Sid: "Federated",
                    Principal: { Federated: "cognito-identity.amazonaws.com" },
                    Action: "kms:PutKeyPolicy",
                }),
                statement({
                    Sid: "Session",
                    Principal: { AWS: session },
                    Action: ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyAdminRights, doc), [
                flagged("Anyone", "kms:PutKeyPolicy", 'Principal "*" (anyone)', "anyone could take the key over"),
                flagged(
                    "Service",
                    "kms:ScheduleKeyDeletion",
                    "service principal rds.amazonaws.com",
                    "a service principal acts for many callers",
                ),
                flagged(
                    "Federated",
                    "kms:PutKeyPolicy",
                    "federated principal cognito-identity.amazonaws.com",
                    "a federated identity is not an administrator role",
                ),
                flagged(
                    "Session",
                    "kms:PutKeyPolicy and kms:ScheduleKeyDeletion",
                    session,
                    "an assumed-role session is temporary; name the role's ARN instead",
                ),
            ]);
        });

        it("reads principal types in any case", async () => {
            const doc = documentOf(
                statement({
                    Sid: "Service",
                    Principal: { service: "rds.amazonaws.com", aws: ADMIN },
                    Action: "kms:PutKeyPolicy",
                }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyAdminRights, doc, admins), [
                flagged(
                    "Service",
                    "kms:PutKeyPolicy",
                    "service principal rds.amazonaws.com",
                    "a service principal acts for many callers",
                ),
            ]);
        });

        it("flags a principal outside keyAdministrators, and the root unless its full access is allowed", async () => {
            const doc = documentOf(
                statement({ Sid: "Admins", Principal: { AWS: [ADMIN, USER] }, Action: "kms:Put*" }),
                statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:*" }),
            );
            const reason = `it matches none of keyAdministrators (${ADMIN}, ${DEPLOY})`;
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyAdminRights, doc, admins), [
                flagged("Admins", "kms:PutKeyPolicy", USER, reason),
                flagged("Root", "kms:PutKeyPolicy and kms:ScheduleKeyDeletion", `account root ${ROOT}`, reason),
            ]);
            assert.deepStrictEqual(
                await checkKeyPolicy(kmsKeyPolicyAdminRights, doc, { ...admins, allowAccountRootFullAccess: true }),
                [flagged("Admins", "kms:PutKeyPolicy", USER, reason)],
            );
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

    describe("kms-key-no-lockout-bypass", () => {
        const message =
            "bypassPolicyLockoutSafetyCheck is true, so AWS KMS will not check that the caller can still manage the key under " +
            "this policy, and a mistake can lock everyone out. Remove it (the default is false).";

        it("passes false and unset", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyNoLockoutBypass, keyWith(good, { bypassPolicyLockoutSafetyCheck: false })),
                [],
            );
            assert.deepStrictEqual(
                await check(kmsKeyNoLockoutBypass, { type: "aws:kms/key:Key", name: "k", inputs: {} }),
                [],
            );
        });

        it("flags true on a key and on a key policy", async () => {
            assert.deepStrictEqual(
                await check(kmsKeyNoLockoutBypass, keyWith(good, { bypassPolicyLockoutSafetyCheck: true })),
                [message],
            );
            const keyPolicyResource = keyWith(
                good,
                { keyId: "k", bypassPolicyLockoutSafetyCheck: true },
                "aws:kms/keyPolicy:KeyPolicy",
            );
            assert.deepStrictEqual(await check(kmsKeyNoLockoutBypass, keyPolicyResource), [message]);
        });
    });

    describe("kms-key-policy-no-lockout", () => {
        const nobody =
            "No AWS principal is allowed kms:PutKeyPolicy (under a condition a PutKeyPolicy call can meet), so once this policy is in place nobody can change it again (the " +
            "key is locked out until AWS Support steps in). Allow kms:PutKeyPolicy for a key-administrator role.";

        it("passes the program's policy, and PutKeyPolicy through a wildcard", async () => {
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, good), []);
            const doc = documentOf(statement({ Principal: { AWS: ADMIN }, Action: "kms:put*" }));
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, doc), []);
        });

        it("flags a policy where nobody, or only a service, may call PutKeyPolicy", async () => {
            const users = documentOf(
                bySid(good, "KeyUseThroughIntegratedService"),
                bySid(good, "GrantsForIntegratedService"),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, users), [nobody]);
            const service = documentOf(
                statement({ Principal: { Service: "rds.amazonaws.com" }, Action: "kms:PutKeyPolicy" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, service), [nobody]);
        });

        it("flags PutKeyPolicy allowed only under a condition no PutKeyPolicy call meets", async () => {
            for (const condition of [
                { Bool: { "kms:GrantIsForAWSResource": "true" } },
                { StringEquals: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } },
                { "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "aws:rds:db-id" } },
                { StringLike: { "kms:EncryptionContext:aws:rds:db-id": "*" } },
            ]) {
                const doc = documentOf(
                    statement({ Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy", Condition: condition }),
                );
                assert.deepStrictEqual(
                    await checkKeyPolicy(kmsKeyPolicyNoLockout, doc),
                    [nobody],
                    JSON.stringify(condition),
                );
            }
        });

        it("passes PutKeyPolicy under a condition a PutKeyPolicy call can meet", async () => {
            for (const condition of [
                { StringEquals: { "aws:PrincipalAccount": "111111111111" } },
                { StringEqualsIfExists: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } },
                { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": "aws:rds:db-id" } },
                { StringNotEquals: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } },
                { Null: { "kms:GrantIsForAWSResource": "true" } },
            ]) {
                const doc = documentOf(
                    statement({ Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy", Condition: condition }),
                );
                assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, doc), [], JSON.stringify(condition));
            }
        });

        it("flags an unconditional Deny that takes PutKeyPolicy from every holder", async () => {
            const denyAll = documentOf(
                ...good.Statement,
                statement({ Sid: "Freeze", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:PutKeyPolicy" }),
            );
            const message =
                `Every principal allowed kms:PutKeyPolicy (the root user of account 111111111111 (${ROOT} restricted to the ` +
                `root user), ${ADMIN}, ${DEPLOY}) is denied it by statement "Freeze", so once ` +
                `this policy is in place nobody can change it again. Leave at least one key-administrator role able to call ` +
                `kms:PutKeyPolicy.`;
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, denyAll), [message]);
            const denyAccount = documentOf(
                ...good.Statement,
                statement({ Sid: "Freeze", Effect: "Deny", Principal: { AWS: "111111111111" }, Action: "kms:*" }),
            );
            assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, denyAccount), [message]);
        });

        it("flags a conditional Deny that every PutKeyPolicy call from the holders' account meets", async () => {
            const message =
                `Every principal allowed kms:PutKeyPolicy (the root user of account 111111111111 (${ROOT} restricted to the ` +
                `root user), ${ADMIN}, ${DEPLOY}) is denied it by statement "Freeze", so once ` +
                `this policy is in place nobody can change it again. Leave at least one key-administrator role able to call ` +
                `kms:PutKeyPolicy.`;
            for (const condition of [
                { StringEquals: { "kms:CallerAccount": "111111111111" } },
                { StringLike: { "aws:PrincipalAccount": "1111*" } },
                { Null: { "kms:ViaService": "true" } },
                {
                    StringEquals: { "kms:CallerAccount": "111111111111" },
                    Null: { "kms:GrantIsForAWSResource": "true" },
                },
            ]) {
                const doc = documentOf(
                    ...good.Statement,
                    statement({
                        Sid: "Freeze",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "kms:PutKeyPolicy",
                        Condition: condition,
                    }),
                );
                assert.deepStrictEqual(
                    await checkKeyPolicy(kmsKeyPolicyNoLockout, doc),
                    [message],
                    JSON.stringify(condition),
                );
            }
        });

        it("passes a Deny whose condition some PutKeyPolicy call misses", async () => {
            for (const condition of [
                { StringEquals: { "kms:CallerAccount": "999999999999" } },
                { StringNotEquals: { "kms:CallerAccount": "111111111111" } },
                { Null: { "kms:ViaService": "false" } },
                { StringEquals: { "kms:CallerAccount": "111111111111", "aws:SourceVpce": "vpce-0123456789abcdef0" } },
            ]) {
                const doc = documentOf(
                    ...good.Statement,
                    statement({ Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Condition: condition }),
                );
                assert.deepStrictEqual(await checkKeyPolicy(kmsKeyPolicyNoLockout, doc), [], JSON.stringify(condition));
            }
        });

        it("passes a conditional Deny, a Deny of someone else, and a Deny with NotPrincipal that spares an administrator", async () => {
            for (const deny of [
                statement({
                    Effect: "Deny",
                    Principal: "*",
                    Action: "kms:PutKeyPolicy",
                    Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
                }),
                statement({ Effect: "Deny", Principal: { AWS: DEPLOY }, Action: "kms:PutKeyPolicy" }),
                statement({ Effect: "Deny", NotPrincipal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" }),
            ]) {
                assert.deepStrictEqual(
                    await checkKeyPolicy(kmsKeyPolicyNoLockout, documentOf(...good.Statement, deny)),
                    [],
                );
            }
        });
    });
});
