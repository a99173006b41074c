import * as assert from "assert/strict";
import { bySid as statement } from "../helpers/statements";
import {
    administratorActions,
    auditorActions,
    buildEndpointPolicy,
    buildKeyPolicy,
    KeyPolicyInput,
    principalArn,
    PrincipalError,
    rootRecoveryActions,
    rootUserOnlyCondition,
} from "../../components/accessPolicies";
import { grantActions, integratedServices, serviceNames } from "../../config/services";

const account = { accountId: "111111111111", partition: "aws", region: "ap-northeast-1" };

const aurora: KeyPolicyInput = {
    integratedService: "rds",
    administrators: ["role/pulumi-deploy", "role/KmsKeyAdministrator"],
    users: ["role/AuroraProvisioner"],
    auditors: [],
    crossAccountUsers: [],
    allowKeyDeletion: false,
    accountRootRecovery: true,
    allowAccountRootFullAccess: false,
};

const rdsScope = {
    "kms:ViaService": "rds.ap-northeast-1.amazonaws.com",
    "kms:CallerAccount": "111111111111",
};

const management = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

describe("key policy builder", () => {
    it("renders the Aurora key policy statement by statement", () => {
        assert.deepEqual(buildKeyPolicy(aurora, account), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AccountRootUserRecovery",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::111111111111:root"] },
                    Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalType": "Account" } },
                },
                {
                    Sid: "KeyAdministration",
                    Effect: "Allow",
                    Principal: {
                        AWS: [
                            "arn:aws:iam::111111111111:role/KmsKeyAdministrator",
                            "arn:aws:iam::111111111111:role/pulumi-deploy",
                        ],
                    },
                    Action: management,
                    Resource: "*",
                },
                {
                    Sid: "KeyDescriptionForUsers",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::111111111111:role/AuroraProvisioner"] },
                    Action: ["kms:DescribeKey"],
                    Resource: "*",
                },
                {
                    Sid: "KeyUseThroughIntegratedService",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::111111111111:role/AuroraProvisioner"] },
                    Action: [
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:ReEncryptFrom",
                        "kms:ReEncryptTo",
                    ],
                    Resource: "*",
                    Condition: { StringEquals: rdsScope },
                },
                {
                    Sid: "GrantsForIntegratedService",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::111111111111:role/AuroraProvisioner"] },
                    Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: "*",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: rdsScope },
                },
            ],
        });
    });

    it("never gives administrators a cryptographic action, a grant or a wildcard", () => {
        const crypto = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateMac|VerifyMac|Sign|Verify|CreateGrant)/;
        for (const allowKeyDeletion of [false, true]) {
            const administration = statement(
                buildKeyPolicy({ ...aurora, allowKeyDeletion }, account),
                "KeyAdministration",
            );
            assert.deepEqual(
                administration.Action.filter((a: string) => crypto.test(a) || a.includes("*")),
                [],
            );
        }
        assert.deepEqual(administratorActions, management);
    });

    it("adds kms:ScheduleKeyDeletion to administrators only where the stack allows deletion", () => {
        assert.ok(
            !JSON.stringify(buildKeyPolicy(aurora, account)).includes("kms:ScheduleKeyDeletion"),
            "nobody may schedule deletion",
        );
        const allowed = statement(
            buildKeyPolicy({ ...aurora, allowKeyDeletion: true }, account),
            "KeyAdministration",
        ).Action;
        assert.deepEqual(allowed, [...management, "kms:ScheduleKeyDeletion"].sort());
    });

    it("scopes OpenSearch use to es.<region> and never to RDS", () => {
        const policy = buildKeyPolicy({ ...aurora, integratedService: "es" }, account);
        const scoped = policy.Statement.filter((s) => s.Condition?.StringEquals?.["kms:ViaService"] !== undefined);
        assert.deepEqual(
            scoped.map((s) => [s.Sid, s.Condition?.StringEquals["kms:ViaService"]]),
            [
                ["KeyUseThroughIntegratedService", "es.ap-northeast-1.amazonaws.com"],
                ["GrantsForIntegratedService", "es.ap-northeast-1.amazonaws.com"],
            ],
        );
        assert.ok(!JSON.stringify(policy).includes("rds."));
    });

    it("gives the account root kms:* only when asked, as the first statement, in place of the recovery statement", () => {
        assert.ok(!JSON.stringify(buildKeyPolicy(aurora, account)).includes('"kms:*"'));
        const policy = buildKeyPolicy({ ...aurora, allowAccountRootFullAccess: true }, account);
        assert.deepEqual(policy.Statement[0], {
            Sid: "AccountRootFullAccess",
            Effect: "Allow",
            Principal: { AWS: ["arn:aws:iam::111111111111:root"] },
            Action: ["kms:*"],
            Resource: "*",
        });
        assert.deepEqual(
            policy.Statement.filter((s) => s.Principal.AWS.includes("arn:aws:iam::111111111111:root")).map(
                (s) => s.Sid,
            ),
            ["AccountRootFullAccess"],
        );
    });

    it("leaves the root user out entirely where the recovery path is off", () => {
        const policy = buildKeyPolicy({ ...aurora, accountRootRecovery: false }, account);
        assert.ok(!JSON.stringify(policy).includes(":root"));
        assert.deepEqual(
            policy.Statement.map((s) => s.Sid),
            [
                "KeyAdministration",
                "KeyDescriptionForUsers",
                "KeyUseThroughIntegratedService",
                "GrantsForIntegratedService",
            ],
        );
    });

    it("restricts the recovery statement to the root user with aws:PrincipalType, not to the whole account", () => {
        assert.deepEqual(rootUserOnlyCondition, { StringEquals: { "aws:PrincipalType": "Account" } });
        assert.deepEqual(rootRecoveryActions, ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"]);
        assert.deepEqual(statement(buildKeyPolicy(aurora, account), "AccountRootUserRecovery").Condition, {
            StringEquals: { "aws:PrincipalType": "Account" },
        });
    });

    it("lets auditors read the key's settings, policy, rotation, tags and grants, and nothing else", () => {
        const policy = buildKeyPolicy(
            {
                ...aurora,
                auditors: ["role/SecurityAudit", "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"],
            },
            account,
        );
        assert.deepEqual(statement(policy, "KeyAudit"), {
            Sid: "KeyAudit",
            Effect: "Allow",
            Principal: {
                AWS: [
                    "arn:aws:iam::111111111111:role/SecurityAudit",
                    "arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
                ],
            },
            Action: [
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListGrants",
                "kms:ListKeyRotations",
                "kms:ListResourceTags",
            ],
            Resource: "*",
        });
        assert.deepEqual(auditorActions, statement(policy, "KeyAudit").Action);
        assert.ok(!buildKeyPolicy(aurora, account).Statement.some((s) => s.Sid === "KeyAudit"));
    });

    it("lets users and cross-account users describe the key directly, without kms:ViaService", () => {
        const policy = buildKeyPolicy(
            { ...aurora, crossAccountUsers: ["arn:aws:iam::444444444444:role/Replicator"] },
            account,
        );
        assert.deepEqual(statement(policy, "KeyDescriptionForUsers"), {
            Sid: "KeyDescriptionForUsers",
            Effect: "Allow",
            Principal: {
                AWS: ["arn:aws:iam::111111111111:role/AuroraProvisioner", "arn:aws:iam::444444444444:role/Replicator"],
            },
            Action: ["kms:DescribeKey"],
            Resource: "*",
        });
    });

    it("scopes cross-account users to their own account, one pair of statements per account", () => {
        const policy = buildKeyPolicy(
            {
                ...aurora,
                crossAccountUsers: [
                    "arn:aws:iam::444444444444:role/Replicator",
                    "arn:aws:iam::555555555555:role/Reader",
                    "arn:aws:iam::444444444444:role/Auditor",
                ],
            },
            account,
        );
        const cross = policy.Statement.filter((s) => s.Sid.startsWith("CrossAccount"));
        assert.deepEqual(
            cross.map((s) => [s.Sid, s.Principal.AWS, s.Condition?.StringEquals["kms:CallerAccount"]]),
            [
                [
                    "CrossAccountKeyUseThroughIntegratedService444444444444",
                    ["arn:aws:iam::444444444444:role/Auditor", "arn:aws:iam::444444444444:role/Replicator"],
                    "444444444444",
                ],
                [
                    "CrossAccountGrantsForIntegratedService444444444444",
                    ["arn:aws:iam::444444444444:role/Auditor", "arn:aws:iam::444444444444:role/Replicator"],
                    "444444444444",
                ],
                [
                    "CrossAccountKeyUseThroughIntegratedService555555555555",
                    ["arn:aws:iam::555555555555:role/Reader"],
                    "555555555555",
                ],
                [
                    "CrossAccountGrantsForIntegratedService555555555555",
                    ["arn:aws:iam::555555555555:role/Reader"],
                    "555555555555",
                ],
            ],
        );
        assert.deepEqual(cross[0].Action, integratedServices.rds.userActions);
        assert.deepEqual(cross[1].Condition?.Bool, { "kms:GrantIsForAWSResource": "true" });
        // Every user may describe the key: this account's first, then the other accounts', each sorted.
        assert.deepEqual(policy.Statement.find((s) => s.Sid === "KeyDescriptionForUsers")?.Principal.AWS.slice(-3), [
            "arn:aws:iam::444444444444:role/Auditor",
            "arn:aws:iam::444444444444:role/Replicator",
            "arn:aws:iam::555555555555:role/Reader",
        ]);
    });

    it("gives the users of each service in the table exactly its actions, and the grant actions where it uses grants", () => {
        for (const service of serviceNames) {
            const policy = buildKeyPolicy({ ...aurora, integratedService: service }, account);
            const via = `${service}.ap-northeast-1.amazonaws.com`;
            const use = policy.Statement.filter((s) => s.Condition?.StringEquals?.["kms:ViaService"] === via);
            assert.deepEqual(
                use.map((s) => s.Action),
                integratedServices[service].usesGrants
                    ? [integratedServices[service].userActions, grantActions]
                    : [integratedServices[service].userActions],
                service,
            );
        }
    });

    it("renders the same text whatever the order or repetition of principals", () => {
        const shuffled = {
            ...aurora,
            administrators: ["role/KmsKeyAdministrator", "role/pulumi-deploy", "role/KmsKeyAdministrator"],
        };
        assert.equal(
            JSON.stringify(buildKeyPolicy(shuffled, account)),
            JSON.stringify(buildKeyPolicy(aurora, account)),
        );
    });

    it("refuses a principal that is both administrator and user", () => {
        assert.throws(
            () => buildKeyPolicy({ ...aurora, users: ["arn:aws:iam::111111111111:role/KmsKeyAdministrator"] }, account),
            new PrincipalError(
                "arn:aws:iam::111111111111:role/KmsKeyAdministrator is both an administrator and a user of the key; keep the duties apart",
            ),
        );
    });

    it("names its errors PrincipalError", () => {
        assert.equal(new PrincipalError("x").name, "PrincipalError");
    });

    it("refuses a cross-account user of this account", () => {
        assert.throws(
            () => buildKeyPolicy({ ...aurora, crossAccountUsers: ["arn:aws:iam::111111111111:role/X"] }, account),
            new PrincipalError(
                "arn:aws:iam::111111111111:role/X belongs to this account; list it in users, not crossAccountUsers",
            ),
        );
    });

    describe("principalArn", () => {
        it("qualifies role/ and user/ names, with paths, by account and partition", () => {
            assert.equal(principalArn("role/ops/KeyAdmin", account), "arn:aws:iam::111111111111:role/ops/KeyAdmin");
            assert.equal(
                principalArn("user/alice", { ...account, partition: "aws-cn" }),
                "arn:aws-cn:iam::111111111111:user/alice",
            );
        });

        it("reads a reference as a full ARN only when it begins with one", () => {
            assert.equal(
                principalArn("role/arn:aws:iam::222222222222:X", account),
                "arn:aws:iam::111111111111:role/arn:aws:iam::222222222222:X",
            );
        });

        it("keeps full ARNs of the account as they are", () => {
            assert.equal(principalArn("arn:aws:iam::111111111111:role/X", account), "arn:aws:iam::111111111111:role/X");
        });

        it("refuses ARNs of another account or partition", () => {
            for (const ref of ["arn:aws:iam::222222222222:role/X", "arn:aws-cn:iam::111111111111:role/X"]) {
                assert.throws(
                    () => principalArn(ref, account),
                    new PrincipalError(
                        `${ref} is not a principal of account 111111111111 (partition aws); list principals of other accounts in crossAccountUsers`,
                    ),
                );
            }
        });
    });

    it("renders an endpoint policy that admits only this account's principals", () => {
        assert.deepEqual(buildEndpointPolicy("111111111111"), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ThisAccountPrincipalsOnly",
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "kms:*",
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalAccount": "111111111111" } },
                },
            ],
        });
    });
});
