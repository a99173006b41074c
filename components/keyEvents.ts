/**
 * The events that say a key of the stack is about to lose data, or has: the EventBridge rules that watch them, as
 * plain data. The KeyAlerts component registers one rule per entry; the deep tests match each pattern against AWS's
 * own example events with AWS's own matcher (event-ruler), because a pattern that never fires fails silently.
 *
 * Where the key is in each event decides how a pattern finds "our keys":
 * - CloudTrail records of KMS calls hold the key ARN in `detail.resources[].ARN` (alias calls hold the alias ARN and
 *   the key ARN there). `detail.requestParameters.keyId` holds whatever the caller sent (key id, key ARN, alias name
 *   or alias ARN), so it cannot identify a key. https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html
 * - The native "KMS CMK Deletion" event holds the key ARN only in the envelope's `resources`.
 *   https://docs.aws.amazon.com/kms/latest/developerguide/kms-events.html
 */

/** An EventBridge event pattern. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html */
export type EventPattern = Record<string, unknown>;

/** The rule states of EventBridge that matter here. */
export type RuleState = "ENABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

/** One rule: the suffix of its name, what an alert from it means, its pattern and its state. */
export interface KeyEventRule {
    id: "key-at-risk" | "key-recovered" | "key-deleted" | "key-unusable";
    description: string;
    pattern: EventPattern;
    state: RuleState;
}

/** Calls that can lose a key's data or the way to it: deletion, disabling, a new policy, rotation off, alias moves. */
export const AT_RISK_CALLS = [
    "ScheduleKeyDeletion",
    "DisableKey",
    "PutKeyPolicy",
    "DisableKeyRotation",
    "DeleteAlias",
    "UpdateAlias",
] as const;

/** Calls that undo the first two of those. */
export const RECOVERY_CALLS = ["CancelKeyDeletion", "EnableKey"] as const;

/**
 * The errors a request gets from a key that is disabled or pending deletion: the key state table gives
 * `DisabledException` for a disabled key and `KMSInvalidStateException` (or `DisabledException`) for a key pending
 * deletion. https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 */
export const UNUSABLE_KEY_ERRORS = ["KMSInvalidStateException", "DisabledException"] as const;

/** The CloudTrail part shared by the patterns of calls. */
const KMS_API_CALL = {
    source: ["aws.kms"],
    "detail-type": ["AWS API Call via CloudTrail"],
};

/** EventBridge refuses an event pattern longer than this. https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Rule.html */
export const EVENT_PATTERN_MAX_LENGTH = 4096;

/**
 * The rules for the keys whose ARNs are `keyArns` and the aliases whose ARNs are `aliasArns`.
 *
 * - key-at-risk: a call of `AT_RISK_CALLS` on one of the keys or aliases, whether AWS allowed it or not (a denied
 *   ScheduleKeyDeletion is an attempt worth knowing). An alias call is matched by the alias too, so that moving our
 *   alias to another key is caught.
 * - key-recovered: `RECOVERY_CALLS` on one of the keys.
 * - key-deleted: AWS deleted one of the keys at the end of its waiting period (needs no trail).
 * - key-unusable: a request failed because one of the keys is disabled or pending deletion: the earliest sign that
 *   something still needs it. Such requests (Decrypt, GenerateDataKey, ...) are read-only management events, which a
 *   rule receives only in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
 */
export function keyEventRules(keyArns: readonly string[], aliasArns: readonly string[]): KeyEventRule[] {
    const keys = [...keyArns];
    return [
        {
            id: "key-at-risk",
            description: "A key of the stack is being deleted, disabled, re-policied, left unrotated or lost its alias",
            pattern: {
                ...KMS_API_CALL,
                detail: {
                    eventSource: ["kms.amazonaws.com"],
                    eventName: [...AT_RISK_CALLS],
                    resources: { ARN: [...keys, ...aliasArns] },
                },
            },
            state: "ENABLED",
        },
        {
            id: "key-recovered",
            description: "A key of the stack had its deletion cancelled or was enabled again",
            pattern: {
                ...KMS_API_CALL,
                detail: {
                    eventSource: ["kms.amazonaws.com"],
                    eventName: [...RECOVERY_CALLS],
                    resources: { ARN: keys },
                },
            },
            state: "ENABLED",
        },
        {
            id: "key-deleted",
            description: "AWS deleted a key of the stack at the end of its waiting period: its data is unrecoverable",
            pattern: { source: ["aws.kms"], "detail-type": ["KMS CMK Deletion"], resources: keys },
            state: "ENABLED",
        },
        {
            id: "key-unusable",
            description: "A request failed because a key of the stack is disabled or pending deletion",
            pattern: {
                ...KMS_API_CALL,
                detail: {
                    eventSource: ["kms.amazonaws.com"],
                    errorCode: [...UNUSABLE_KEY_ERRORS],
                    resources: { ARN: keys },
                },
            },
            state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        },
    ];
}

/** The rules whose pattern is longer than EventBridge allows (too many keys for one rule), by id. */
export function oversizedPatterns(rules: readonly KeyEventRule[]): string[] {
    return rules.filter((r) => JSON.stringify(r.pattern).length > EVENT_PATTERN_MAX_LENGTH).map((r) => r.id);
}
