import * as assert from "assert";

import { runResourcePolicy } from "../helpers/policyHarness";
import {
    findSeparationOfDutiesConflicts,
    findUnrestrictedCreateGrant,
    findUnscopedCryptographicUse,
    kmsKeyPolicyGrantsForAwsResources,
    kmsKeyPolicyNoFullAccess,
    kmsKeyPolicySeparationOfDuties,
    kmsKeyPolicyServiceScopedUse,
} from "../../policies/keyPolicyActions";
import { KMS_KEY_ACTIONS } from "../../policies/lib/kmsActions";
import { keyPolicy } from "./programResources";
import { ADMIN, DEPLOY, ROOT, USER, analysed, checkKeyPolicy, documentOf, keyWith, statement } from "./specHelpers";

const good = keyPolicy({ service: "rds" });
const VIA_RDS = { StringEquals: { "kms:ViaService": "rds.ap-northeast-1.amazonaws.com" } };
const FIX_SCOPE = 'Add "Condition": {"StringEquals": {"kms:ViaService": "<service>.<region>.amazonaws.com"}}.';

describe("key policy family", () => {
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
});

describe("key policy checks, on an analysis", () => {
    describe("separation of duties", () => {
        it("ignores Deny statements", () => {
            const analysis = analysed(statement({ Effect: "Deny", Principal: { AWS: ADMIN }, Action: "kms:*" }));
            assert.deepStrictEqual(findSeparationOfDutiesConflicts(analysis, false), []);
        });

        it("names a principal as the first statement with cryptographic or management actions writes it", () => {
            const analysis = analysed(
                statement({ Sid: "Read", Principal: { AWS: "111111111111" }, Action: "kms:DescribeKey" }),
                statement({ Sid: "Both", Principal: { AWS: ROOT }, Action: ["kms:Decrypt", "kms:DisableKey"] }),
            );
            assert.deepStrictEqual(findSeparationOfDutiesConflicts(analysis, false), [
                `Separation of duties is broken for account root ${ROOT}: it holds cryptographic actions (kms:Decrypt in ` +
                    `statement "Both") and key-management actions (kms:DisableKey in statement "Both"). Give key ` +
                    `administrators and key users separate principals, so that nobody can both rewrite the key's policy ` +
                    `and use the key.`,
            ]);
        });

        it("does not lend anyone's or the root's actions to each other", () => {
            const analysis = analysed(
                statement({
                    Sid: "Anyone",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Condition: { StringEquals: { "kms:CallerAccount": "111111111111" } },
                }),
                statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:PutKeyPolicy" }),
            );
            assert.deepStrictEqual(findSeparationOfDutiesConflicts(analysis, false), []);
        });

        it("adds the shared actions of the other kind only", () => {
            const analysis = analysed(
                statement({ Sid: "Shared", Principal: { AWS: ROOT }, Action: ["kms:Decrypt", "kms:PutKeyPolicy"] }),
                statement({ Sid: "Use", Principal: { AWS: USER }, Action: "kms:Encrypt" }),
                statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: "kms:DisableKey" }),
            );
            const broken = (who: string, crypto: string, management: string) =>
                `Separation of duties is broken for ${who}: it holds cryptographic actions (${crypto}) and ` +
                `key-management actions (${management}). Give key administrators and key users separate principals, so ` +
                `that nobody can both rewrite the key's policy and use the key.`;
            assert.deepStrictEqual(findSeparationOfDutiesConflicts(analysis, false), [
                broken(
                    `account root ${ROOT}`,
                    'kms:Decrypt in statement "Shared"',
                    'kms:PutKeyPolicy in statement "Shared"',
                ),
                broken(USER, 'kms:Encrypt in statement "Use"', 'kms:PutKeyPolicy in statement "Shared"'),
                broken(ADMIN, 'kms:Decrypt in statement "Shared"', 'kms:DisableKey in statement "Admin"'),
            ]);
        });
    });

    describe("service-scoped use", () => {
        const unscoped = (label: string, actions: string, who: string) =>
            `Statement "${label}" allows ${actions} to ${who} without a kms:ViaService condition, so the key can be used ` +
            `directly rather than only through an AWS service. Add "Condition": {"StringEquals": {"kms:ViaService": ` +
            `"<service>.<region>.amazonaws.com"}}.`;

        it("does not exempt the account root unless told to", () => {
            const analysis = analysed(statement({ Sid: "Root", Principal: { AWS: ROOT }, Action: "kms:Decrypt" }));
            assert.deepStrictEqual(findUnscopedCryptographicUse(analysis, []), [
                unscoped("Root", "kms:Decrypt", `account root ${ROOT}`),
            ]);
            assert.deepStrictEqual(findUnscopedCryptographicUse(analysis, [], true), []);
        });

        it("ignores Deny statements", () => {
            const analysis = analysed(statement({ Effect: "Deny", Principal: { AWS: USER }, Action: "kms:Decrypt" }));
            assert.deepStrictEqual(findUnscopedCryptographicUse(analysis, []), []);
        });

        it("lists every principal, NotPrincipal included, and the actions sorted, four in full", () => {
            const analysis = analysed(
                statement({ Sid: "Two", Principal: { AWS: [USER, DEPLOY] }, Action: ["kms:Encrypt", "kms:Decrypt"] }),
                statement({ Sid: "Crypt", NotPrincipal: { AWS: ADMIN }, Action: "kms:*crypt*" }),
            );
            assert.deepStrictEqual(findUnscopedCryptographicUse(analysis, []), [
                unscoped("Two", "kms:Decrypt, kms:Encrypt", `${USER}, ${DEPLOY}`),
                unscoped(
                    "Crypt",
                    "kms:Decrypt, kms:Encrypt, kms:ReEncryptFrom, kms:ReEncryptTo",
                    `everyone except ${ADMIN} (NotPrincipal)`,
                ),
            ]);
        });

        it("requires a service before the first dot", () => {
            const analysis = analysed(
                statement({
                    Sid: "Dot",
                    Principal: { AWS: USER },
                    Action: "kms:Decrypt",
                    Condition: {
                        StringLike: {
                            "kms:ViaService": [".amazonaws.com", "*s.ap-northeast-1.amazonaws.com", "*.amazonaws.com"],
                        },
                    },
                }),
            );
            assert.deepStrictEqual(findUnscopedCryptographicUse(analysis, []), [
                `Statement "Dot" scopes ${USER} with kms:ViaService ".amazonaws.com", which does not name a service. ` +
                    `Name the service, for example "rds.<region>.amazonaws.com".`,
                `Statement "Dot" scopes ${USER} with kms:ViaService "*.amazonaws.com", which does not name a service. ` +
                    `Name the service, for example "rds.<region>.amazonaws.com".`,
            ]);
        });

        it("allows a pattern equal to an allowed one, and lists the allowed ones otherwise", () => {
            const scoped = (value: string) =>
                analysed(
                    statement({
                        Sid: "Scoped",
                        Principal: { AWS: USER },
                        Action: "kms:Decrypt",
                        Condition: { StringLike: { "kms:ViaService": value } },
                    }),
                );
            const allowed = ["rds.*.amazonaws.com", "es.ap-northeast-1.amazonaws.com"];
            assert.deepStrictEqual(findUnscopedCryptographicUse(scoped("rds.*.amazonaws.com"), allowed), []);
            assert.deepStrictEqual(findUnscopedCryptographicUse(scoped("s3.*.amazonaws.com"), allowed), [
                `Statement "Scoped" allows use through kms:ViaService "s3.*.amazonaws.com", which is not in ` +
                    `allowedViaServices (rds.*.amazonaws.com, es.ap-northeast-1.amazonaws.com). Use one of those ` +
                    `services, or add this one to allowedViaServices.`,
            ]);
        });
    });

    describe("grants for AWS resources", () => {
        const unrestricted = (label: string, via: string, who: string) =>
            `Statement "${label}" allows kms:CreateGrant${via} to ${who} without the condition "Bool": ` +
            `{"kms:GrantIsForAWSResource": "true"}, so a grant can be created for anyone, the grantor included, and ` +
            `used to decrypt. Add that condition so that only AWS services acting for them can create grants.`;

        it("names the patterns that grant kms:CreateGrant, and every principal", () => {
            const analysis = analysed(
                statement({ Sid: "Named", Principal: { AWS: USER }, Action: "kms:CreateGrant" }),
                statement({
                    Sid: "Both",
                    Principal: { AWS: [USER, DEPLOY] },
                    Action: ["kms:CreateGrant", "kms:Create*"],
                }),
                statement({ Sid: "Not", Principal: { AWS: USER }, NotAction: "kms:Decrypt" }),
            );
            assert.deepStrictEqual(findUnrestrictedCreateGrant(analysis, false), [
                unrestricted("Named", "", USER),
                unrestricted("Both", ' (through "kms:CreateGrant", "kms:Create*")', `${USER}, ${DEPLOY}`),
                unrestricted("Not", "", USER),
            ]);
        });
    });
});
