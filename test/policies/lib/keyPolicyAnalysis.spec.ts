import * as assert from "assert";

import {
    analyseKeyPolicy,
    pinsCaller,
    requiresGrantForAwsResource,
    restrictsToRootUser,
} from "../../../policies/lib/keyPolicyAnalysis";
import { ConditionClause } from "../../../policies/lib/policyDocument";
import { ADMIN, ROOT, analysed, documentOf, statement } from "../specHelpers";

/** The condition clauses of a one-statement policy with `condition`. */
function clausesOf(condition: Record<string, unknown>): readonly ConditionClause[] {
    return analysed(statement({ Principal: "*", Action: "kms:Decrypt", Condition: condition })).statements[0].statement
        .conditions;
}

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
    });
});
