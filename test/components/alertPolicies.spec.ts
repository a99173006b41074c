import * as assert from "assert/strict";
import { alertNames, buildAlertKeyPolicy, buildAlertTopicPolicy } from "../../components/alertPolicies";

const account = { accountId: "111111111111", partition: "aws", region: "ap-northeast-1" };
const topicArn = "arn:aws:sns:ap-northeast-1:111111111111:kms-keys-production-key-alerts";

describe("components/alertPolicies", () => {
    it("names the topic, the rules and the key's alias after the project and stack, in the account's ARNs", () => {
        assert.deepEqual(alertNames("kms-keys-production", ["key-at-risk", "key-deleted"], account), {
            topicName: "kms-keys-production-key-alerts",
            topicArn,
            ruleNames: {
                "key-at-risk": "kms-keys-production-key-at-risk",
                "key-deleted": "kms-keys-production-key-deleted",
            },
            ruleArns: [
                "arn:aws:events:ap-northeast-1:111111111111:rule/kms-keys-production-key-at-risk",
                "arn:aws:events:ap-northeast-1:111111111111:rule/kms-keys-production-key-deleted",
            ],
            keyAlias: "alias/kms-keys-production-key-alerts",
        });
        assert.equal(
            alertNames("p", [], { ...account, partition: "aws-cn", region: "cn-north-1" }).topicArn,
            "arn:aws-cn:sns:cn-north-1:111111111111:p-key-alerts",
        );
    });

    it("lets EventBridge use the topic's key only under the topic's encryption context, and no IAM principal use it", () => {
        const policy = buildAlertKeyPolicy(
            {
                administrators: ["role/pulumi-deploy", "role/KmsKeyAdministrator", "role/pulumi-deploy"],
                auditors: ["role/pulumi-preview"],
                accountRootRecovery: true,
                topicArn,
            },
            account,
        ) as { Statement: Record<string, unknown>[] };
        assert.deepEqual(
            policy.Statement.map((s) => s.Sid),
            ["AccountRootUserRecovery", "KeyAdministration", "KeyAudit", "AlertsPublishedByEventBridge"],
        );
        assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { "aws:PrincipalType": "Account" } });
        assert.deepEqual(policy.Statement[1].Principal, {
            AWS: ["arn:aws:iam::111111111111:role/KmsKeyAdministrator", "arn:aws:iam::111111111111:role/pulumi-deploy"],
        });
        assert.ok(!(policy.Statement[1].Action as string[]).includes("kms:ScheduleKeyDeletion"));
        assert.deepEqual(policy.Statement[3], {
            Sid: "AlertsPublishedByEventBridge",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": topicArn } },
        });
        const bare = buildAlertKeyPolicy(
            { administrators: ["role/a"], auditors: [], accountRootRecovery: false, topicArn },
            account,
        ) as { Statement: Record<string, unknown>[] };
        assert.deepEqual(
            bare.Statement.map((s) => s.Sid),
            ["KeyAdministration", "AlertsPublishedByEventBridge"],
        );
    });

    it("lets only the stack's own rules publish to the topic", () => {
        const rules = [
            "arn:aws:events:ap-northeast-1:111111111111:rule/r1",
            "arn:aws:events:ap-northeast-1:111111111111:rule/r2",
        ];
        assert.deepEqual(buildAlertTopicPolicy(topicArn, rules), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "KeyAlertRulesPublish",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sns:Publish",
                    Resource: topicArn,
                    Condition: { ArnEquals: { "aws:SourceArn": rules } },
                },
            ],
        });
    });
});
