import * as assert from "assert/strict";
import { cloudTrailEvent, kmsKeyDeletionAlerts } from "../../policies/monitoring";
import { patternMatches } from "../../policies/lib/eventPatterns";
import { ResourceSpec, runStackPolicy } from "../helpers/policyHarness";
import { mutate, programStack } from "./programResources";

const RULE = "aws:cloudwatch/eventRule:EventRule";
const stages = ["preview", "update"] as const;
const tail =
    `A scheduled deletion makes the key's data unrecoverable when its window runs out; add a rule on CloudTrail's ` +
    `"AWS API Call via CloudTrail" events of kms.amazonaws.com for these calls whose detail.resources.ARN names the ` +
    `key, with a target that reaches people.`;

const keysOf = (stack: ResourceSpec[]) => stack.filter((r) => r.type === "aws:kms/key:Key");
const withoutRules = (stack: ResourceSpec[], keep: (r: ResourceSpec) => boolean = () => false) =>
    stack.filter((r) => r.type !== RULE || keep(r));
const message = (key: ResourceSpec, missing: string, extra = "") =>
    `Key ${JSON.stringify(key.name)} is not watched for ${missing}: no enabled EventBridge rule of the stack with a ` +
    `target fires on it${extra}. ${tail}`;

describe("kms-key-deletion-alerts (stack)", () => {
    it("passes the program's alerts, to a created topic or an existing one, in a preview and after an update", async () => {
        for (const stack of ["production", "staging", "development"] as const) {
            for (const stage of stages) {
                assert.deepEqual(
                    await runStackPolicy(kmsKeyDeletionAlerts, programStack(stack, stage)),
                    { violations: [] },
                    `${stack} ${stage}`,
                );
            }
        }
    });

    it("reports every key, by name and URN, when the stack has no rule", async () => {
        for (const stage of stages) {
            const stack = withoutRules(programStack("production", stage));
            const outcome = await runStackPolicy(kmsKeyDeletionAlerts, stack);
            assert.deepEqual(
                outcome.violations.map((v) => [v.message, v.urn, v.enforcementLevel]),
                keysOf(stack).map((k) => [message(k, "ScheduleKeyDeletion and DisableKey"), k.urn, "advisory"]),
            );
        }
    });

    it("needs the rule enabled, with a target", async () => {
        for (const stage of stages) {
            const base = programStack("production", stage);
            const disabled = base.map((r) =>
                r.type === RULE ? mutate([r], r.name, (p) => (p["state"] = "DISABLED"))[0] : r,
            );
            const untargeted = base.filter((r) => r.type !== "aws:cloudwatch/eventTarget:EventTarget");
            for (const stack of [disabled, untargeted]) {
                const outcome = await runStackPolicy(kmsKeyDeletionAlerts, stack);
                assert.equal(outcome.violations.length, keysOf(stack).length, stage);
            }
        }
    });

    it("after an update, matches each rule's pattern: one that misses a call or names another key does not count", async () => {
        const base = programStack("production", "update");
        const [aurora] = keysOf(base);
        const atRisk = (r: ResourceSpec) => r.name === "alerts-key-at-risk";
        const only = (change: (pattern: { detail: Record<string, unknown> }) => void) =>
            mutate(withoutRules(base, atRisk), "alerts-key-at-risk", (p) => {
                const pattern = JSON.parse(p["eventPattern"] as string) as { detail: Record<string, unknown> };
                change(pattern);
                p["eventPattern"] = JSON.stringify(pattern);
            });
        const noDisable = await runStackPolicy(
            kmsKeyDeletionAlerts,
            only((p) => (p.detail.eventName = ["ScheduleKeyDeletion"])),
        );
        assert.deepEqual(
            noDisable.violations.map((v) => v.message),
            keysOf(base).map((k) => message(k, "DisableKey")),
        );
        const otherKey = await runStackPolicy(
            kmsKeyDeletionAlerts,
            only((p) => (p.detail.resources = { ARN: [aurora.outputs?.arn] })),
        );
        assert.deepEqual(
            otherKey.violations.map((v) => v.urn),
            keysOf(base)
                .filter((k) => k !== aurora)
                .map((k) => k.urn),
        );
        const unsupported = await runStackPolicy(
            kmsKeyDeletionAlerts,
            only((p) => (p.detail.eventName = [{ wildcard: "*Key*" }])),
        );
        assert.deepEqual(
            unsupported.violations.map((v) => v.message)[0],
            message(
                aurora,
                "ScheduleKeyDeletion and DisableKey",
                ` (not judged: EventRule "alerts-key-at-risk": the event pattern uses wildcard, which this check does not evaluate)`,
            ),
        );
    });

    it("accepts, even at preview, a written pattern that watches every key of the account", async () => {
        const base = programStack("production", "preview");
        const stack = mutate(
            withoutRules(base, (r) => r.name === "alerts-key-at-risk"),
            "alerts-key-at-risk",
            (p, spec) => {
                p["eventPattern"] = JSON.stringify({
                    source: ["aws.kms"],
                    "detail-type": ["AWS API Call via CloudTrail"],
                    detail: { eventName: ["ScheduleKeyDeletion", "DisableKey"] },
                });
                spec.propertyDependencies = { ...spec.propertyDependencies, eventPattern: [] };
            },
        );
        assert.deepEqual(await runStackPolicy(kmsKeyDeletionAlerts, stack), { violations: [] });
    });

    it("is not applicable to a stack without keys", async () => {
        const stack = programStack("production", "update").filter((r) => !r.type.startsWith("aws:kms/"));
        assert.equal((await runStackPolicy(kmsKeyDeletionAlerts, stack)).notApplicable, "the stack has no KMS keys");
    });

    it("builds the CloudTrail record of a call as AWS's examples have it: the key ARN in detail.resources", () => {
        const arn = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const event = cloudTrailEvent("DisableKey", arn);
        assert.deepEqual(
            [event.source, event["detail-type"], event.account, event.region],
            ["aws.kms", "AWS API Call via CloudTrail", "111111111111", "ap-northeast-1"],
        );
        assert.ok(patternMatches({ detail: { resources: { ARN: [arn] }, eventName: ["DisableKey"] } }, event));
        assert.ok(
            patternMatches(
                { detail: { requestParameters: { keyId: ["1234abcd-12ab-34cd-56ef-1234567890ab"] } } },
                event,
            ),
        );
    });
});
