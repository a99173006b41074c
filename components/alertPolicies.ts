/**
 * The policies of the alerts' own resources, as plain data: the key that encrypts the topic the program creates, and
 * that topic's policy. EventBridge is the only publisher, and only the stack's own rules may publish.
 */
import {
    AccountContext,
    administratorActions,
    auditorActions,
    principalArn,
    rootRecoveryActions,
    rootUserOnlyCondition,
    statementIds,
} from "./accessPolicies";

/** The names AWS knows the alerts' resources by, fixed so that each policy can name the others before they exist. */
export interface AlertNames {
    topicName: string;
    topicArn: string;
    /** By rule id. */
    ruleNames: Record<string, string>;
    ruleArns: string[];
    keyAlias: string;
}

/**
 * The names of a stack's alert resources: `<prefix>-key-alerts` for the topic and the key's alias, `<prefix>-<rule>`
 * for each rule. Rule and topic names are unique per account and region, so the prefix names the project and stack.
 */
export function alertNames(prefix: string, ruleIds: readonly string[], account: AccountContext): AlertNames {
    const { partition, region, accountId } = account;
    const topicName = `${prefix}-key-alerts`;
    const ruleNames = Object.fromEntries(ruleIds.map((id) => [id, `${prefix}-${id}`]));
    return {
        topicName,
        topicArn: `arn:${partition}:sns:${region}:${accountId}:${topicName}`,
        ruleNames,
        ruleArns: Object.values(ruleNames).map((n) => `arn:${partition}:events:${region}:${accountId}:rule/${n}`),
        keyAlias: `alias/${prefix}-key-alerts`,
    };
}

/** Who manages and reads the key of the alerts' topic. */
export interface AlertKeyPolicyInput {
    administrators: string[];
    auditors: string[];
    accountRootRecovery: boolean;
    topicArn: string;
}

/**
 * The key policy of the key that encrypts the alerts' topic.
 *
 * - Administrators, auditors and the root user's recovery path as on every key of the stack.
 * - EventBridge (`events.amazonaws.com`) may generate data keys and decrypt, which is what a publisher to an encrypted
 *   topic needs (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services),
 *   and only under the encryption context SNS binds to this topic's messages, `aws:sns:topicArn`
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html): it cannot use the key for
 *   anything else. No IAM principal uses the key: SNS delivers the messages to their subscribers decrypted.
 */
export function buildAlertKeyPolicy(input: AlertKeyPolicyInput, account: AccountContext): Record<string, unknown> {
    const arns = (refs: string[]) => [...new Set(refs.map((r) => principalArn(r, account)))].sort();
    const root = `arn:${account.partition}:iam::${account.accountId}:root`;
    const statements: Record<string, unknown>[] = [];
    if (input.accountRootRecovery) {
        statements.push({
            Sid: statementIds.rootRecovery,
            Effect: "Allow",
            Principal: { AWS: [root] },
            Action: [...rootRecoveryActions],
            Resource: "*",
            Condition: rootUserOnlyCondition,
        });
    }
    statements.push({
        Sid: statementIds.administration,
        Effect: "Allow",
        Principal: { AWS: arns(input.administrators) },
        Action: [...administratorActions],
        Resource: "*",
    });
    const auditors = arns(input.auditors);
    if (auditors.length > 0) {
        statements.push({
            Sid: statementIds.audit,
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: [...auditorActions],
            Resource: "*",
        });
    }
    statements.push({
        Sid: "AlertsPublishedByEventBridge",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": input.topicArn } },
    });
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The alerts' topic policy: EventBridge may publish, and only for the stack's own rules
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
 */
export function buildAlertTopicPolicy(topicArn: string, ruleArns: readonly string[]): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeyAlertRulesPublish",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topicArn,
                Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
            },
        ],
    };
}
