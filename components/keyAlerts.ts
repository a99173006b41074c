import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountContext } from "./accessPolicies";
import { alertNames, buildAlertKeyPolicy, buildAlertTopicPolicy } from "./alertPolicies";
import { keyEventRules } from "./keyEvents";

/** Where the alerts go: an existing SNS topic, or a topic this component creates, encrypted with a key of its own. */
export type AlertDestination =
    | { topicArn: string }
    | {
          /** Email addresses subscribed to the created topic (each confirms by email). */
          emails: string[];
          /** Who manages the topic's key, as `role/<name>` or ARNs: the administrators of the stack's keys. */
          administrators: string[];
          /** Who reads the topic key's configuration. */
          auditors: string[];
          /** The topic key's settings: the stack's most cautious (see `alertDestination`). */
          rotationPeriodInDays: number;
          deletionWindowInDays: number;
          protect: boolean;
          retainOnDelete: boolean;
      };

/** Arguments of KeyAlerts. */
export interface KeyAlertsArgs {
    /** Prefix of the AWS names of the rules, the topic and the key's alias: `<project>-<stack>`. */
    readonly namePrefix: string;
    /** The keys to watch, with their aliases. */
    readonly keys: { arn: pulumi.Input<string>; aliasArn: pulumi.Input<string> }[];
    readonly destination: AlertDestination;
    readonly account: AccountContext;
    readonly tags: Record<string, string>;
}

/**
 * EventBridge rules on the default bus that watch the stack's keys (see keyEvents.ts), each with the alerts' topic as
 * its target. Children: `<name>-<rule id>` (aws.cloudwatch.EventRule) and `<name>-<rule id>-target`
 * (aws.cloudwatch.EventTarget) per rule; with a created topic also `<name>-key` and `<name>-key-alias` (the topic's
 * key, rotated and guarded like the stack's keys), `<name>-topic`, `<name>-topic-policy` and `<name>-email-<i>`.
 * The topic's key is watched like the stack's other keys.
 */
export class KeyAlerts extends pulumi.ComponentResource {
    /** The topic the alerts go to. */
    public readonly topicArn: pulumi.Output<string>;
    /** The rules' names, by rule id. */
    public readonly ruleNames: Record<string, string>;
    /** The topic key's ARN, when this component created the topic. */
    public readonly topicKeyArn?: pulumi.Output<string>;

    constructor(name: string, args: KeyAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kms-keys:monitoring:KeyAlerts", name, {}, opts);
        // What each rule is and its state do not depend on the keys; its pattern names them, known once they exist.
        const templates = keyEventRules([], []);
        const names = alertNames(
            args.namePrefix,
            templates.map((r) => r.id),
            args.account,
        );
        const watched = [...args.keys];
        const destination = args.destination;
        if ("topicArn" in destination) {
            this.topicArn = pulumi.output(destination.topicArn);
        } else {
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Encrypts the topic of the alerts on the keys of ${args.namePrefix}`,
                    enableKeyRotation: true,
                    rotationPeriodInDays: destination.rotationPeriodInDays,
                    deletionWindowInDays: destination.deletionWindowInDays,
                    policy: JSON.stringify(
                        buildAlertKeyPolicy(
                            {
                                administrators: destination.administrators,
                                auditors: destination.auditors,
                                accountRootRecovery: true,
                                topicArn: names.topicArn,
                            },
                            args.account,
                        ),
                    ),
                    tags: { ...args.tags, Name: names.topicName, Service: "Alerts" },
                },
                { parent: this, protect: destination.protect, retainOnDelete: destination.retainOnDelete },
            );
            const alias = new aws.kms.Alias(
                `${name}-key-alias`,
                { name: names.keyAlias, targetKeyId: key.keyId },
                { parent: this },
            );
            watched.push({ arn: key.arn, aliasArn: alias.arn });
            this.topicKeyArn = key.arn;
            const topic = new aws.sns.Topic(
                `${name}-topic`,
                { name: names.topicName, kmsMasterKeyId: key.arn, tags: args.tags },
                { parent: this },
            );
            new aws.sns.TopicPolicy(
                `${name}-topic-policy`,
                { arn: topic.arn, policy: JSON.stringify(buildAlertTopicPolicy(names.topicArn, names.ruleArns)) },
                { parent: this },
            );
            destination.emails.forEach(
                (email, i) =>
                    new aws.sns.TopicSubscription(
                        `${name}-email-${i}`,
                        { topic: topic.arn, protocol: "email", endpoint: email },
                        { parent: this },
                    ),
            );
            this.topicArn = topic.arn;
        }
        const patterns = pulumi
            .all([pulumi.all(watched.map((k) => k.arn)), pulumi.all(watched.map((k) => k.aliasArn))])
            .apply(([keyArns, aliasArns]) =>
                Object.fromEntries(keyEventRules(keyArns, aliasArns).map((r) => [r.id, JSON.stringify(r.pattern)])),
            );
        this.ruleNames = names.ruleNames;
        for (const { id, description, state } of templates) {
            const eventRule = new aws.cloudwatch.EventRule(
                `${name}-${id}`,
                {
                    name: names.ruleNames[id],
                    description,
                    eventPattern: patterns.apply((p) => p[id]),
                    state,
                    tags: args.tags,
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${id}-target`,
                { rule: eventRule.name, arn: this.topicArn, targetId: "key-alerts-topic" },
                { parent: this },
            );
        }
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
