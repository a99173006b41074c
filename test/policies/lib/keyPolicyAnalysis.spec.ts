import * as assert from "assert";

import {
    KeyPolicyAnalysis,
    analyseKeyPolicy,
    findLockout,
    findMissingRecoveryPath,
    findNonAdministratorRights,
    findPublicPrincipals,
    findSeparationOfDutiesConflicts,
    findUnrestrictedCreateGrant,
    findUnscopedCryptographicUse,
    findUntrustedAccounts,
    pinsCaller,
    requiresGrantForAwsResource,
    restrictsToRootUser,
} from "../../../policies/lib/keyPolicyAnalysis";
import { ConditionClause } from "../../../policies/lib/policyDocument";
import { ADMIN, DEPLOY, OTHER_ACCOUNT_ROLE, ROOT, USER, documentOf, statement } from "../specHelpers";

// The rules are called on the analysis of a document object: only policy text is cached, so every test here
// parses its own document.

/** The analysis of a policy holding `statements`. */
function analysed(...statements: Record<string, unknown>[]): KeyPolicyAnalysis {
    const result = analyseKeyPolicy(documentOf(...statements));
    assert.ok(result.ok, result.ok ? "" : result.error);
    return result.analysis;
}

/** The condition clauses of a one-statement policy with `condition`. */
function clausesOf(condition: Record<string, unknown>): readonly ConditionClause[] {
    return analysed(statement({ Principal: "*", Action: "kms:Decrypt", Condition: condition })).statements[0].statement
        .conditions;
}

const LOCKOUT =
    "so once this policy is in place nobody can change it again. Leave at least one key-administrator role able to " +
    "call kms:PutKeyPolicy.";
const NO_HOLDER =
    "No AWS principal is allowed kms:PutKeyPolicy (under a condition a PutKeyPolicy call can meet), so once this " +
    "policy is in place nobody can change it again (the key is locked out until AWS Support steps in). Allow " +
    "kms:PutKeyPolicy for a key-administrator role.";

describe("key policy analysis", () => {
    describe("principals", () => {
        it("classifies anyone, service, federated and other principals", () => {
            const analysis = analysed(
                statement({ Principal: "*", Action: "kms:Decrypt" }),
                statement({
                    Principal: {
                        Service: ["RDS.amazonaws.com", "*"],
                        federated: "Cognito-Identity.amazonaws.com",
                        CanonicalUser: "AbC123",
                    },
                    Action: "kms:Decrypt",
                }),
            );
            assert.deepStrictEqual(
                analysis.statements.map((s) => s.principals),
                [
                    [
                        {
                            kind: "*",
                            value: "*",
                            display: 'Principal "*" (anyone)',
                            identity: "*",
                            isPublic: true,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                    ],
                    [
                        {
                            kind: "Service",
                            value: "RDS.amazonaws.com",
                            display: "service principal RDS.amazonaws.com",
                            identity: "service:rds.amazonaws.com",
                            isPublic: false,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                        {
                            kind: "Service",
                            value: "*",
                            display: "service principal *",
                            identity: "service:*",
                            isPublic: true,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                        {
                            kind: "Federated",
                            value: "Cognito-Identity.amazonaws.com",
                            display: "federated principal Cognito-Identity.amazonaws.com",
                            identity: "federated:cognito-identity.amazonaws.com",
                            isPublic: false,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                        {
                            kind: "CanonicalUser",
                            value: "AbC123",
                            display: "CanonicalUser principal AbC123",
                            identity: "canonicaluser:abc123",
                            isPublic: false,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                    ],
                ],
            );
        });

        it("reads an STS session only from the start of the resource", () => {
            const sessions = analysed(
                statement({
                    Principal: {
                        AWS: [
                            "arn:aws:sts::111111111111:assumed-role/KmsKeyAdministrator/alice",
                            "arn:aws:sts::111111111111:federated-user/bob",
                            "arn:aws:sts::111111111111:role/assumed-role/carol",
                            "arn:aws:iam::111111111111:user/federated-user/dave",
                        ],
                    },
                    Action: "kms:Decrypt",
                }),
            ).statements[0].principals;
            assert.deepStrictEqual(
                sessions.map((p) => [p.value.split(":").pop(), p.isSession, p.account]),
                [
                    ["assumed-role/KmsKeyAdministrator/alice", true, "111111111111"],
                    ["federated-user/bob", true, "111111111111"],
                    ["role/assumed-role/carol", false, "111111111111"],
                    ["user/federated-user/dave", false, "111111111111"],
                ],
            );
        });

        it("classifies AWS principals: anyone, a bare account, and everyone but a NotPrincipal list", () => {
            const analysis = analysed(
                statement({ Principal: { AWS: ["*", "111111111111"] }, Action: "kms:Decrypt" }),
                statement({ NotPrincipal: { AWS: [ADMIN, "222222222222"] }, Action: "kms:Decrypt" }),
                statement({ Effect: "Deny", NotPrincipal: { AWS: ADMIN }, Action: "kms:Decrypt" }),
                // Neither Principal nor NotPrincipal (valid in an identity policy, meaningless in a key policy).
                statement({ Principal: undefined, Action: "kms:Decrypt" }),
            );
            assert.deepStrictEqual(
                analysis.statements.map((s) => s.principals),
                [
                    [
                        {
                            kind: "AWS",
                            value: "*",
                            display: 'Principal {"AWS": "*"} (anyone)',
                            identity: "*",
                            isPublic: true,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                        {
                            kind: "AWS",
                            value: "111111111111",
                            display: "account root 111111111111",
                            identity: "root:111111111111",
                            isPublic: false,
                            isRoot: true,
                            isRootUser: false,
                            account: "111111111111",
                            isSession: false,
                        },
                    ],
                    [
                        {
                            kind: "NotPrincipal",
                            value: "*",
                            display: `everyone except ${ADMIN}, 222222222222 (NotPrincipal)`,
                            identity: `notprincipal:${ADMIN}, 222222222222`,
                            isPublic: true,
                            isRoot: false,
                            isRootUser: false,
                            isSession: false,
                        },
                    ],
                    // A Deny with NotPrincipal denies everyone but those: its exceptions are read as principals.
                    [
                        {
                            kind: "AWS",
                            value: ADMIN,
                            display: ADMIN,
                            identity: `aws:${ADMIN}`,
                            isPublic: false,
                            isRoot: false,
                            isRootUser: false,
                            account: "111111111111",
                            isSession: false,
                        },
                    ],
                    [],
                ],
            );
        });

        it("reads no session and no account from ARNs that only look like STS sessions", () => {
            const principals = analysed(
                statement({
                    Principal: {
                        AWS: [
                            // A regional STS ARN: not an IAM principal ARN this analysis reads an account from.
                            "arn:aws:sts:us-east-1:111111111111:assumed-role/KmsKeyAdministrator/alice",
                            // An IAM role whose path holds an STS ARN.
                            "arn:aws:iam::111111111111:assumed-role/arn:aws:sts:x",
                        ],
                    },
                    Action: "kms:Decrypt",
                }),
            ).statements[0].principals;
            assert.deepStrictEqual(
                principals.map((p) => [p.isSession, p.account]),
                [
                    [false, undefined],
                    [false, "111111111111"],
                ],
            );
        });

        it("reports a document object that is not a policy", () => {
            assert.deepStrictEqual(analyseKeyPolicy({ Statement: [{ Effect: "Permit", Action: "kms:*" }] }), {
                ok: false,
                error: 'not a policy document: Statement[0].Effect must be "Allow" or "Deny", got "Permit"',
            });
        });
    });

    describe("analysis of policy text", () => {
        let unique = 0;
        /** A policy text no earlier call has seen. */
        const freshText = () => {
            unique += 1;
            return JSON.stringify(
                documentOf(statement({ Sid: `Text${unique}`, Principal: { AWS: ADMIN }, Action: "kms:Decrypt" })),
            );
        };

        it("parses a text once, and again once 256 other texts have been analysed since", () => {
            const text = freshText();
            const first = analyseKeyPolicy(text);
            assert.ok(first.ok);
            assert.strictEqual(analyseKeyPolicy(text), first);
            for (let i = 0; i < 255; i++) {
                analyseKeyPolicy(freshText());
            }
            assert.strictEqual(analyseKeyPolicy(text), first, "still cached after 255 other texts");
            const again = freshText();
            const second = analyseKeyPolicy(again);
            for (let i = 0; i < 256; i++) {
                analyseKeyPolicy(freshText());
            }
            const reparsed = analyseKeyPolicy(again);
            assert.notStrictEqual(reparsed, second);
            assert.deepStrictEqual(reparsed, second);
        });
    });

    describe("conditions", () => {
        it("pins the caller only with values that hold no wildcard outside policy variables", () => {
            const pins = (value: unknown) => pinsCaller(clausesOf({ StringEquals: { "aws:PrincipalAccount": value } }));
            assert.strictEqual(pins("111111111111"), true);
            assert.strictEqual(pins("${aws:ResourceAccount}"), true);
            assert.strictEqual(pins("${*}"), true);
            assert.strictEqual(pins("${aws:PrincipalTag/account-*}"), true);
            assert.strictEqual(pins("${aws:ResourceAccount}*"), false);
            assert.strictEqual(pins(""), false);
            assert.strictEqual(pins([]), false);
            assert.strictEqual(pins(["111111111111", "1111*"]), false);
            assert.strictEqual(pins(["1111*", "111111111111"]), false);
        });

        it('requires exactly "Bool": {"kms:GrantIsForAWSResource": "true"} for grants', () => {
            const requires = (condition: Record<string, unknown>) => requiresGrantForAwsResource(clausesOf(condition));
            assert.strictEqual(requires({ Bool: { "kms:GrantIsForAWSResource": "true" } }), true);
            assert.strictEqual(requires({ Bool: { "KMS:grantIsForAwsResource": true } }), true);
            assert.strictEqual(requires({ Bool: { "aws:SecureTransport": "true" } }), false);
            assert.strictEqual(requires({ StringEquals: { "kms:GrantIsForAWSResource": "true" } }), false);
            assert.strictEqual(requires({ Bool: { "kms:GrantIsForAWSResource": ["true", "false"] } }), false);
            assert.strictEqual(requires({ "ForAnyValue:Bool": { "kms:GrantIsForAWSResource": "true" } }), false);
            assert.strictEqual(requires({ BoolIfExists: { "kms:GrantIsForAWSResource": "true" } }), false);
            assert.strictEqual(requires({ Bool: { "kms:GrantIsForAWSResource": [] } }), false);
            assert.strictEqual(requires({ Bool: { "kms:GrantIsForAWSResource": "false" } }), false);
        });
    });

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
        const ACCOUNT = "111111111111";
        const restricts = (condition: Record<string, unknown>) => restrictsToRootUser(clausesOf(condition), ACCOUNT);

        it("recognises the conditions that admit only requests the root user signs", () => {
            for (const condition of [
                { StringEquals: { "aws:PrincipalType": "Account" } },
                { StringLike: { "aws:PrincipalType": "Account" } },
                { StringEqualsIgnoreCase: { "aws:PrincipalType": "account" } },
                { StringEquals: { "aws:PrincipalArn": ROOT } },
                { ArnEquals: { "aws:PrincipalArn": ROOT } },
                { ArnLike: { "aws:PrincipalArn": ROOT } },
                { StringLike: { "aws:principalarn": ROOT } },
            ]) {
                assert.strictEqual(restricts(condition), true, JSON.stringify(condition));
            }
        });

        it("does not take a condition that a role or user can meet, or that may be absent, for one", () => {
            for (const condition of [
                { StringEquals: { "aws:PrincipalType": "AssumedRole" } },
                { StringEquals: { "aws:PrincipalType": "account" } },
                { StringEquals: { "aws:PrincipalType": ["Account", "User"] } },
                { StringEqualsIfExists: { "aws:PrincipalType": "Account" } },
                { "ForAnyValue:StringEquals": { "aws:PrincipalType": "Account" } },
                { StringLike: { "aws:PrincipalType": "Acc*" } },
                { StringNotEquals: { "aws:PrincipalType": "Account" } },
                { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::222222222222:root" } },
                { StringEquals: { "aws:PrincipalArn": ADMIN } },
                { StringNotEquals: { "aws:PrincipalArn": ROOT } },
                { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
                { StringEquals: { "aws:PrincipalType": [] } },
            ]) {
                assert.strictEqual(restricts(condition), false, JSON.stringify(condition));
            }
        });

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
            assert.ok(missing.startsWith(`${NO_RECOVERY}: if every administrator it names is deleted`), missing);
            assert.ok(missing.endsWith("(in this project: accountRootRecovery: true, the default)."), missing);
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
