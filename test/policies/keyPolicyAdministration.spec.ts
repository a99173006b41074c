import * as assert from "assert";

import {
    findLockout,
    findMissingRecoveryPath,
    findNonAdministratorRights,
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyAdminRights,
    kmsKeyPolicyNoLockout,
} from "../../policies/keyPolicyAdministration";
import { keyPolicy } from "./programResources";
import { bySid } from "../helpers/statements";
import {
    ADMIN,
    DEPLOY,
    OTHER_ACCOUNT_ROLE,
    ROOT,
    USER,
    analysed,
    check,
    checkKeyPolicy,
    documentOf,
    keyWith,
    statement,
} from "./specHelpers";

const good = keyPolicy({ service: "rds" });

const LOCKOUT =
    "so once this policy is in place nobody can change it again. Leave at least one key-administrator role able to " +
    "call kms:PutKeyPolicy.";
const NO_HOLDER =
    "No AWS principal is allowed kms:PutKeyPolicy (under a condition a PutKeyPolicy call can meet), so once this " +
    "policy is in place nobody can change it again (the key is locked out until AWS Support steps in). Allow " +
    "kms:PutKeyPolicy for a key-administrator role.";

describe("key policy family", () => {
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

describe("key policy checks, on an analysis", () => {
    describe("administrator rights", () => {
        it("refuses principals that are not IAM roles or users", () => {
            const analysis = analysed(
                statement({ Sid: "Canonical", Principal: { CanonicalUser: "abc123" }, Action: "kms:PutKeyPolicy" }),
            );
            assert.deepStrictEqual(findNonAdministratorRights(analysis, [], false), [
                `Statement "Canonical" allows kms:PutKeyPolicy to CanonicalUser principal abc123, which is not a key ` +
                    `administrator: only IAM roles and users can be key administrators. Only key-administrator roles may ` +
                    `change the key policy or schedule the key's deletion.`,
            ]);
        });

        it("judges only what a statement allows: denying a non-administrator the rights is no violation", () => {
            const analysis = analysed(
                statement({ Principal: { AWS: ADMIN }, Action: ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"] }),
                statement({
                    Effect: "Deny",
                    Principal: { AWS: DEPLOY },
                    Action: ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
                }),
            );
            assert.deepStrictEqual(findNonAdministratorRights(analysis, [ADMIN], false), []);
        });
    });

    describe("lockout", () => {
        const admin = statement({ Sid: "Admin", Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" });
        const deny = (principal: Record<string, unknown>, condition?: Record<string, unknown>) =>
            statement({
                Sid: "Deny",
                Effect: "Deny",
                ...principal,
                Action: "kms:PutKeyPolicy",
                ...(condition === undefined ? {} : { Condition: condition }),
            });
        const lockedOut = (who: string, by = 'statement "Deny"') =>
            `Every principal allowed kms:PutKeyPolicy (${who}) is denied it by ${by}, ${LOCKOUT}`;

        it("counts anyone and everyone but a NotPrincipal list as holders", () => {
            for (const holder of [{ Principal: "*" }, { NotPrincipal: { AWS: USER } }]) {
                const analysis = analysed(statement({ ...holder, Action: "kms:PutKeyPolicy" }));
                assert.deepStrictEqual(findLockout(analysis), [], JSON.stringify(holder));
            }
        });

        it("reads a condition on a recipient attestation as one PutKeyPolicy never meets", () => {
            const analysis = analysed(
                statement({
                    Principal: { AWS: ADMIN },
                    Action: "kms:PutKeyPolicy",
                    Condition: { StringEquals: { "kms:RecipientAttestation:ImageSha384": "abc" } },
                }),
            );
            assert.deepStrictEqual(findLockout(analysis), [NO_HOLDER]);
        });

        it("denies through Null only on keys PutKeyPolicy never carries, and only when every value is true", () => {
            const locked = lockedOut(ADMIN);
            for (const [key, value, expected] of [
                ["kms:EncryptionContext:Department", "true", [locked]],
                ["kms:ViaService", "true", [locked]],
                ["kms:ViaService", ["true", "false"], []],
                ["aws:PrincipalTag/team", "true", []],
            ] as const) {
                const analysis = analysed(admin, deny({ Principal: { AWS: ADMIN } }, { Null: { [key]: value } }));
                assert.deepStrictEqual(findLockout(analysis), expected, `${key} ${JSON.stringify(value)}`);
            }
        });

        it("denies through the caller's own account, with StringEquals on kms:CallerAccount or aws:PrincipalAccount", () => {
            for (const [condition, expected] of [
                [{ StringEquals: { "kms:CallerAccount": ["222222222222", "111111111111"] } }, [lockedOut(ADMIN)]],
                [{ StringLike: { "aws:PrincipalAccount": "1111*" } }, [lockedOut(ADMIN)]],
                [{ StringEquals: { "aws:SourceAccount": "111111111111" } }, []],
                [{ StringEquals: { "aws:PrincipalOrgID": "*" } }, []],
                [{ "ForAllValues:StringEquals": { "kms:CallerAccount": "111111111111" } }, []],
                [{ StringEquals: { "kms:CallerAccount": "222222222222" } }, []],
            ] as const) {
                const analysis = analysed(admin, deny({ Principal: { AWS: ADMIN } }, condition));
                assert.deepStrictEqual(findLockout(analysis), expected, JSON.stringify(condition));
            }
        });

        it("denies anyone through any account only with the value *", () => {
            const anyone = statement({ Sid: "Anyone", Principal: "*", Action: "kms:PutKeyPolicy" });
            const denyAnyone = (account: string) =>
                findLockout(
                    analysed(anyone, deny({ Principal: "*" }, { StringLike: { "kms:CallerAccount": account } })),
                );
            assert.deepStrictEqual(denyAnyone("*"), [lockedOut('Principal "*" (anyone)')]);
            assert.deepStrictEqual(denyAnyone("*d"), []);
        });

        it("with NotPrincipal, denies everyone not listed, a listed root covering its account", () => {
            for (const [holders, listed, expected] of [
                [[ADMIN], ADMIN, []],
                [[ADMIN], [USER, ADMIN], []],
                [[DEPLOY], ADMIN, [lockedOut(DEPLOY)]],
                [[ADMIN], ROOT, []],
                [[OTHER_ACCOUNT_ROLE], ROOT, [lockedOut(OTHER_ACCOUNT_ROLE)]],
            ] as const) {
                const analysis = analysed(
                    statement({ Principal: { AWS: [...holders] }, Action: "kms:PutKeyPolicy" }),
                    deny({ NotPrincipal: { AWS: listed } }),
                );
                assert.deepStrictEqual(findLockout(analysis), expected, `${holders.join()} except ${listed}`);
            }
        });

        it("with Principal, denies the principals listed, a root denying its account", () => {
            for (const [holders, denied, expected] of [
                [[ADMIN], [ADMIN, USER], [lockedOut(ADMIN)]],
                [[ADMIN], [USER], []],
                [[ADMIN], [ROOT], [lockedOut(ADMIN)]],
                [[OTHER_ACCOUNT_ROLE], [ROOT], []],
            ] as const) {
                const analysis = analysed(
                    statement({ Principal: { AWS: [...holders] }, Action: "kms:PutKeyPolicy" }),
                    deny({ Principal: { AWS: [...denied] } }),
                );
                assert.deepStrictEqual(findLockout(analysis), expected, `${holders.join()} denied by ${denied.join()}`);
            }
        });

        it("names every denying statement", () => {
            const analysis = analysed(
                statement({ Principal: { AWS: [ADMIN, DEPLOY] }, Action: "kms:PutKeyPolicy" }),
                statement({ Sid: "NoAdmin", Effect: "Deny", Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" }),
                statement({ Sid: "NoDeploy", Effect: "Deny", Principal: { AWS: DEPLOY }, Action: "kms:*" }),
            );
            assert.deepStrictEqual(findLockout(analysis), [
                lockedOut(`${ADMIN}, ${DEPLOY}`, 'statement "NoAdmin" and statement "NoDeploy"'),
            ]);
        });
    });

    describe("the account's root user alone (the recovery path)", () => {
        const recovery = (extra: Record<string, unknown> = {}) =>
            statement({
                Principal: { AWS: ROOT },
                Action: ["kms:GetKeyPolicy", "kms:PutKeyPolicy"],
                Condition: { StringEquals: { "aws:PrincipalType": "Account" } },
                ...extra,
            });
        const admin = statement({ Principal: { AWS: ADMIN }, Action: "kms:PutKeyPolicy" });
        const NO_RECOVERY =
            "No statement lets the account's root user call kms:PutKeyPolicy, so the key has no recovery path";
        const DENIED_RECOVERY =
            "The account's root user is allowed kms:PutKeyPolicy but denied it again by a Deny statement, so the key has no recovery path";

        it("finds the recovery path through the restricted statement or the root's own statement", () => {
            assert.deepStrictEqual(findMissingRecoveryPath(analysed(admin, recovery())), []);
            assert.deepStrictEqual(
                findMissingRecoveryPath(analysed(admin, statement({ Principal: { AWS: ROOT }, Action: "kms:*" }))),
                [],
            );
        });

        it("reports a key without one, or with one a Deny takes away, and not a Deny that spares the root user", () => {
            const [missing] = findMissingRecoveryPath(analysed(admin));
            assert.strictEqual(
                missing,
                `${NO_RECOVERY}: if every administrator it names is deleted or re-created (an IAM stack replacing a role ` +
                    "makes a new principal the policy does not name), only AWS Support can restore access to the key. " +
                    'Add a statement allowing kms:PutKeyPolicy to the account root under "Condition": {"StringEquals": ' +
                    '{"aws:PrincipalType": "Account"}} (in this project: accountRootRecovery: true, the default).',
            );
            const readOnly = recovery({ Action: ["kms:GetKeyPolicy"] });
            assert.ok(findMissingRecoveryPath(analysed(admin, readOnly))[0].startsWith(NO_RECOVERY));
            const underViaService = recovery({
                Condition: {
                    StringEquals: {
                        "aws:PrincipalType": "Account",
                        "kms:ViaService": "rds.ap-northeast-1.amazonaws.com",
                    },
                },
            });
            assert.ok(findMissingRecoveryPath(analysed(admin, underViaService))[0].startsWith(NO_RECOVERY));
            const deny = statement({ Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy" });
            assert.ok(findMissingRecoveryPath(analysed(admin, recovery(), deny))[0].startsWith(DENIED_RECOVERY));
            // A Deny whose condition the root user's own call always meets takes it away too; one it never meets not.
            const denyInAccount = (account: string) =>
                statement({
                    Effect: "Deny",
                    Principal: "*",
                    Action: "kms:PutKeyPolicy",
                    Condition: { StringEquals: { "kms:CallerAccount": account } },
                });
            assert.ok(
                findMissingRecoveryPath(analysed(admin, recovery(), denyInAccount("111111111111")))[0].startsWith(
                    DENIED_RECOVERY,
                ),
            );
            assert.deepStrictEqual(
                findMissingRecoveryPath(analysed(admin, recovery(), denyInAccount("999999999999"))),
                [],
            );
            const denyOthers = statement({
                Effect: "Deny",
                Principal: { AWS: OTHER_ACCOUNT_ROLE },
                Action: "kms:PutKeyPolicy",
            });
            assert.deepStrictEqual(findMissingRecoveryPath(analysed(admin, recovery(), denyOthers)), []);
            const denyDecrypt = statement({ Effect: "Deny", Principal: "*", Action: "kms:Decrypt" });
            assert.deepStrictEqual(findMissingRecoveryPath(analysed(admin, recovery(), denyDecrypt)), []);
            const allowOnlyDecrypt = statement({ Principal: { AWS: ROOT }, Action: "kms:Decrypt" });
            assert.ok(findMissingRecoveryPath(analysed(admin, allowOnlyDecrypt))[0].startsWith(NO_RECOVERY));
        });

        it("lets the root user hold kms:PutKeyPolicy alone as an administrator right, unless the config says not", () => {
            const analysis = analysed(admin, recovery());
            assert.deepStrictEqual(findNonAdministratorRights(analysis, [ADMIN], false), []);
            assert.deepStrictEqual(findNonAdministratorRights(analysis, [ADMIN], false, false), [
                `Statement #2 allows kms:PutKeyPolicy to the root user of account 111111111111 (${ROOT} restricted to the root user), which is not a key administrator: the account's root user may hold kms:PutKeyPolicy only as the recovery path (allowRootUserRecovery); list its ARN in keyAdministrators if it must hold more. Only key-administrator roles may change the key policy or schedule the key's deletion.`,
            ]);
            const deletion = analysed(admin, recovery({ Action: ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"] }));
            assert.deepStrictEqual(findNonAdministratorRights(deletion, [ADMIN], false), [
                `Statement #2 allows kms:ScheduleKeyDeletion to the root user of account 111111111111 (${ROOT} restricted to the root user), which is not a key administrator: the account's root user may hold kms:PutKeyPolicy only as the recovery path (allowRootUserRecovery); list its ARN in keyAdministrators if it must hold more. Only key-administrator roles may change the key policy or schedule the key's deletion.`,
            ]);
            assert.deepStrictEqual(findNonAdministratorRights(deletion, [ADMIN, ROOT], false), []);
        });
    });
});
