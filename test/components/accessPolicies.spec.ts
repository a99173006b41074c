import * as assert from "assert/strict";
import {
    administratorActions,
    buildEndpointPolicy,
    buildKeyPolicy,
    KeyPolicyInput,
    principalArn,
    PrincipalError,
} from "../../components/accessPolicies";
import { grantActions, integratedServices, serviceNames } from "../../config/services";

const account = { accountId: "111111111111", partition: "aws", region: "ap-northeast-1" };

const aurora: KeyPolicyInput = {
    integratedService: "rds",
    administrators: ["role/pulumi-deploy", "role/KmsKeyAdministrator"],
    users: ["role/AuroraProvisioner"],
    crossAccountUsers: [],
    allowKeyDeletion: false,
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
            const statement = buildKeyPolicy({ ...aurora, allowKeyDeletion }, account).Statement[0];
            assert.deepEqual(
                statement.Action.filter((a) => crypto.test(a) || a.includes("*")),
                [],
            );
        }
        assert.deepEqual(administratorActions, management);
    });

    it("adds kms:ScheduleKeyDeletion to administrators only where the stack allows deletion", () => {
        assert.ok(!buildKeyPolicy(aurora, account).Statement[0].Action.includes("kms:ScheduleKeyDeletion"));
        const allowed = buildKeyPolicy({ ...aurora, allowKeyDeletion: true }, account).Statement[0].Action;
        assert.deepEqual(allowed, [...management, "kms:ScheduleKeyDeletion"].sort());
    });

    it("scopes OpenSearch use to es.<region> and never to RDS", () => {
        const policy = buildKeyPolicy({ ...aurora, integratedService: "es" }, account);
        for (const statement of policy.Statement.slice(1)) {
            assert.equal(statement.Condition?.StringEquals["kms:ViaService"], "es.ap-northeast-1.amazonaws.com");
        }
        assert.ok(!JSON.stringify(policy).includes("rds."));
    });

    it("gives the account root kms:* only when asked, as the first statement", () => {
        assert.ok(!JSON.stringify(buildKeyPolicy(aurora, account)).includes(":root"));
        const policy = buildKeyPolicy({ ...aurora, allowAccountRootFullAccess: true }, account);
        assert.deepEqual(policy.Statement[0], {
            Sid: "AccountRootFullAccess",
            Effect: "Allow",
            Principal: { AWS: ["arn:aws:iam::111111111111:root"] },
            Action: ["kms:*"],
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
        const cross = policy.Statement.slice(3);
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
