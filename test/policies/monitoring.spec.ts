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
            // The provider's older switch, which AWS reads as the state DISABLED.
            const switchedOff = base.map((r) =>
                r.type === RULE
                    ? mutate([r], r.name, (p) => {
                          delete p["state"];
                          p["isEnabled"] = false;
                      })[0]
                    : r,
            );
            const untargeted = base.filter((r) => r.type !== "aws:cloudwatch/eventTarget:EventTarget");
            for (const stack of [disabled, switchedOff, untargeted]) {
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
        const twoRules = (r: ResourceSpec) => r.name === "alerts-key-at-risk" || r.name === "alerts-key-recovered";
        const wildcard = (props: Record<string, unknown>) => {
            const pattern = JSON.parse(props["eventPattern"] as string) as { detail: Record<string, unknown> };
            pattern.detail.eventName = [{ wildcard: "*Key*" }];
            props["eventPattern"] = JSON.stringify(pattern);
        };
        const unsupported = await runStackPolicy(
            kmsKeyDeletionAlerts,
            mutate(
                mutate(withoutRules(base, twoRules), "alerts-key-at-risk", wildcard),
                "alerts-key-recovered",
                wildcard,
            ),
        );
        const notJudged = (rule: string) =>
            `EventRule "${rule}": the event pattern uses wildcard, which this check does not evaluate`;
        assert.deepEqual(
            unsupported.violations.map((v) => v.message)[0],
            message(
                aurora,
                "ScheduleKeyDeletion and DisableKey",
                ` (not judged: ${notJudged("alerts-key-at-risk")}; ${notJudged("alerts-key-recovered")})`,
            ),
        );
    });

    /** Production with only the key-at-risk rule, its pattern written out (no dependency on the keys). */
    const writtenPattern = (stage: "preview" | "update", pattern: unknown) =>
        mutate(
            withoutRules(programStack("production", stage), (r) => r.name === "alerts-key-at-risk"),
            "alerts-key-at-risk",
            (p, spec) => {
                p["eventPattern"] = pattern;
                spec.propertyDependencies = { ...spec.propertyDependencies, eventPattern: [] };
            },
        );

    it("accepts, even at preview, a written pattern that watches every key of the account", async () => {
        const pattern = JSON.stringify({
            source: ["aws.kms"],
            "detail-type": ["AWS API Call via CloudTrail"],
            detail: {
                eventName: ["ScheduleKeyDeletion", "DisableKey"],
                resources: { ARN: [{ prefix: "arn:aws:kms:" }] },
            },
        });
        for (const stage of stages) {
            assert.deepEqual(await runStackPolicy(kmsKeyDeletionAlerts, writtenPattern(stage, pattern)), {
                violations: [],
            });
        }
    });

    it("counts a pattern that is not JSON, or not text, as watching nothing", async () => {
        for (const pattern of ["{not json", 42]) {
            const stack = writtenPattern("update", pattern);
            const outcome = await runStackPolicy(kmsKeyDeletionAlerts, stack);
            assert.deepEqual(
                outcome.violations.map((v) => v.message),
                keysOf(stack).map((k) => message(k, "ScheduleKeyDeletion and DisableKey")),
                String(pattern),
            );
        }
    });

    it("finds a rule its target names without a dependency, as a rule created elsewhere would be", async () => {
        const stack = programStack("production", "update").map((r) =>
            r.type === "aws:cloudwatch/eventTarget:EventTarget"
                ? { ...r, propertyDependencies: { ...r.propertyDependencies, rule: [] } }
                : r,
        );
        assert.deepEqual(await runStackPolicy(kmsKeyDeletionAlerts, stack), { violations: [] });
    });

    it("does not decide, at preview, on a pattern not known yet that was not built from the key", async () => {
        const base = programStack("production", "preview");
        const [topic] = base.filter((r) => r.type === "aws:sns/topic:Topic");
        const stack = base.map((r) =>
            r.type === RULE
                ? { ...r, propertyDependencies: { ...r.propertyDependencies, eventPattern: [topic.urn!] } }
                : r,
        );
        const outcome = await runStackPolicy(kmsKeyDeletionAlerts, stack);
        assert.deepEqual(outcome.violations, []);
        assert.equal(outcome.undecided, "string value at .eventPattern can't be known during preview");
    });

    it("is not applicable to a stack without keys", async () => {
        const stack = programStack("production", "update").filter((r) => !r.type.startsWith("aws:kms/"));
        assert.equal((await runStackPolicy(kmsKeyDeletionAlerts, stack)).notApplicable, "the stack has no KMS keys");
    });

    it("builds the CloudTrail record of a call as AWS's examples have it: the key ARN in detail.resources", () => {
        const arn = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const event = cloudTrailEvent("DisableKey", arn);
        assert.deepEqual(event, {
            version: "0",
            id: "00000000-0000-0000-0000-000000000000",
            "detail-type": "AWS API Call via CloudTrail",
            source: "aws.kms",
            account: "111111111111",
            time: "2026-01-01T00:00:00Z",
            region: "ap-northeast-1",
            resources: [],
            detail: {
                eventVersion: "1.08",
                userIdentity: { type: "AssumedRole", accountId: "111111111111" },
                eventTime: "2026-01-01T00:00:00Z",
                eventSource: "kms.amazonaws.com",
                eventName: "DisableKey",
                awsRegion: "ap-northeast-1",
                requestParameters: { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" },
                responseElements: { keyId: arn },
                readOnly: false,
                resources: [{ accountId: "111111111111", type: "AWS::KMS::Key", ARN: arn }],
                eventType: "AwsApiCall",
                managementEvent: true,
                recipientAccountId: "111111111111",
                eventCategory: "Management",
                partition: "aws",
            },
        });
        assert.ok(patternMatches({ detail: { resources: { ARN: [arn] }, eventName: ["DisableKey"] } }, event));
        // Something that is not a key ARN gives a record without a key id, not an error.
        assert.deepEqual((cloudTrailEvent("DisableKey", "x").detail as Record<string, unknown>).requestParameters, {
            keyId: "",
        });
        assert.ok(
            patternMatches(
                { detail: { requestParameters: { keyId: ["1234abcd-12ab-34cd-56ef-1234567890ab"] } } },
                event,
            ),
        );
    });
});
