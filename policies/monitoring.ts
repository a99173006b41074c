/**
 * Policies on watching the keys: a key whose deletion or disabling nobody hears of can lose its data unnoticed.
 * Side-effect free: exporting a policy does not start a policy pack.
 */
import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

import { checkSupported, patternMatches } from "./lib/eventPatterns";
import { IdIndex, describeResource, knownValue, linkedResources, observe, stringsOf } from "./lib/stackResources";
import { KEY_CLASSES, isAnyOf } from "./lib/ruleHelpers";

const isKeyResource = isAnyOf(KEY_CLASSES);
const isRule = isAnyOf([aws.cloudwatch.EventRule]);
const isTarget = isAnyOf([aws.cloudwatch.EventTarget]);

/** The calls that lose a key's data or make it unusable, which a rule must fire on. */
export const WATCHED_CALLS = ["ScheduleKeyDeletion", "DisableKey"] as const;

/**
 * A CloudTrail record of `eventName` on the key `keyArn`, as EventBridge delivers it: the shape of the example
 * records in AWS's CloudTrail pages for KMS (https://docs.aws.amazon.com/kms/latest/developerguide/ct-disablekey.html,
 * ct-schedule-key-deletion.html), the key ARN in `detail.resources`, the key id in `requestParameters.keyId`.
 */
export function cloudTrailEvent(eventName: string, keyArn: string): Record<string, unknown> {
    const [, partition, , region, account, resource] = keyArn.split(":");
    const keyId = (resource ?? "").replace(/^key\//, "");
    return {
        version: "0",
        id: "00000000-0000-0000-0000-000000000000",
        "detail-type": "AWS API Call via CloudTrail",
        source: "aws.kms",
        account,
        time: "2026-01-01T00:00:00Z",
        region,
        resources: [],
        detail: {
            eventVersion: "1.08",
            userIdentity: { type: "AssumedRole", accountId: account },
            eventTime: "2026-01-01T00:00:00Z",
            eventSource: "kms.amazonaws.com",
            eventName,
            awsRegion: region,
            requestParameters: { keyId },
            responseElements: { keyId: keyArn },
            readOnly: false,
            resources: [{ accountId: account, type: "AWS::KMS::Key", ARN: keyArn }],
            eventType: "AwsApiCall",
            managementEvent: true,
            recipientAccountId: account,
            eventCategory: "Management",
            partition,
        },
    };
}

/** What a rule tells about one key: it fires on these calls, it cannot be judged, or it was built from the key. */
type RuleVerdict =
    { kind: "fires"; calls: string[] } | { kind: "unsupported"; reason: string } | { kind: "built from the key" };

/** A rule whose pattern cannot be read fires on nothing. */
const FIRES_ON_NOTHING: RuleVerdict = { kind: "fires", calls: [] };

/**
 * Which of WATCHED_CALLS on `key` the rule fires on. A pattern not known yet (a preview) that was built from the key's
 * outputs counts as watching it, and is matched when it is known (an update, an audit of a stack export); a known
 * pattern is matched against CloudTrail records for the key's ARN, or for a stand-in ARN while the key's is not known
 * (only a pattern that does not name keys can then match).
 */
function judgeRule(rule: PolicyResource, key: PolicyResource): RuleVerdict {
    const builtFromKey = (rule.propertyDependencies["eventPattern"] ?? []).includes(key);
    let text: unknown;
    try {
        text = knownValue(observe(rule, "eventPattern"));
    } catch (error) {
        if (builtFromKey) {
            return { kind: "built from the key" };
        }
        throw error;
    }
    if (typeof text !== "string") {
        return FIRES_ON_NOTHING;
    }
    let pattern: unknown;
    try {
        pattern = JSON.parse(text);
        checkSupported(pattern);
    } catch (error) {
        return error instanceof SyntaxError
            ? FIRES_ON_NOTHING
            : { kind: "unsupported", reason: (error as Error).message };
    }
    const [arn] = stringsOf(observe(key, "arn"));
    const keyArn = arn ?? "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000";
    return {
        kind: "fires",
        calls: WATCHED_CALLS.filter((call) => patternMatches(pattern, cloudTrailEvent(call, keyArn))),
    };
}

/** Whether a rule is switched on: `state` other than DISABLED, and not the older `isEnabled: false`. */
function isEnabled(rule: PolicyResource): boolean {
    return knownValue(observe(rule, "state")) !== "DISABLED" && knownValue(observe(rule, "isEnabled")) !== false;
}

/**
 * `kms-key-deletion-alerts`: every key of the stack is watched, for ScheduleKeyDeletion and DisableKey, by an
 * enabled EventBridge rule of the stack that has a target. CIS AWS Foundations (a metric filter and alarm for
 * disabling or scheduled deletion of customer created keys) and Security Hub's CloudWatch.7 ask the same of an
 * account; this asks it of the stack that owns the keys.
 */
export const kmsKeyDeletionAlerts: StackValidationPolicy = {
    name: "kms-key-deletion-alerts",
    description:
        "Every KMS key of the stack must be watched for ScheduleKeyDeletion and DisableKey by an enabled EventBridge " +
        "rule of the stack with a target: a scheduled deletion makes the key's data unrecoverable when it runs out.",
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const keys = args.resources.filter(isKeyResource);
        if (keys.length === 0) {
            return args.notApplicable("the stack has no KMS keys");
        }
        const rules = args.resources.filter(isRule);
        const targets = args.resources.filter(isTarget);
        // A target names its rule (on the default bus, the rule's name is also its id).
        const ruleNames = new IdIndex(rules, ["name"]);
        const targeted = new Set(targets.flatMap((t) => linkedResources(t, "rule", isRule, ruleNames)));
        const watching = rules.filter((r) => targeted.has(r) && isEnabled(r));
        for (const key of keys) {
            const fired = new Set<string>();
            const unsupported: string[] = [];
            for (const rule of watching) {
                const verdict = judgeRule(rule, key);
                if (verdict.kind === "built from the key") {
                    WATCHED_CALLS.forEach((c) => fired.add(c));
                }
                if (verdict.kind === "unsupported") {
                    unsupported.push(`${describeResource(rule)}: ${verdict.reason}`);
                }
                if (verdict.kind === "fires") {
                    verdict.calls.forEach((c) => fired.add(c));
                }
            }
            const missing = WATCHED_CALLS.filter((c) => !fired.has(c));
            if (missing.length === 0) {
                continue;
            }
            reportViolation(
                `${describeResource(key)} is not watched for ${missing.join(" and ")}: no enabled EventBridge rule of the ` +
                    `stack with a target fires on it${unsupported.length > 0 ? ` (not judged: ${unsupported.join("; ")})` : ""}. ` +
                    `A scheduled deletion makes the key's data unrecoverable when its window runs out; add a rule on ` +
                    `CloudTrail's "AWS API Call via CloudTrail" events of kms.amazonaws.com for these calls whose ` +
                    `detail.resources.ARN names the key, with a target that reaches people.`,
                key.urn,
            );
        }
    },
};
