import * as assert from "assert/strict";
import { EVENT_PATTERN_MAX_LENGTH, keyEventRules, oversizedPatterns } from "../../components/keyEvents";

// What each pattern matches is proved with AWS's matcher in test/ci/keyEvents.spec.ts; here, what holds around it.
const keyArn = (i: number) =>
    `arn:aws:kms:ap-northeast-1:111111111111:key/${String(i).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`;
const aliasArn = (i: number) => `arn:aws:kms:ap-northeast-1:111111111111:alias/stack-key-${i}`;

describe("components/keyEvents", () => {
    it("has four rules, only the one for refused requests receiving read-only management events", () => {
        const rules = keyEventRules([keyArn(1)], [aliasArn(1)]);
        assert.deepEqual(
            rules.map((r) => [r.id, r.state]),
            [
                ["key-at-risk", "ENABLED"],
                ["key-recovered", "ENABLED"],
                ["key-deleted", "ENABLED"],
                ["key-unusable", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"],
            ],
        );
        for (const rule of rules) {
            assert.ok(rule.description.length > 0 && rule.description.length <= 512, rule.id);
        }
    });

    it("names the keys in every rule and the aliases only where alias calls are watched", () => {
        const rules = keyEventRules([keyArn(1), keyArn(2)], [aliasArn(1)]);
        for (const rule of rules) {
            const text = JSON.stringify(rule.pattern);
            assert.ok(text.includes(keyArn(1)) && text.includes(keyArn(2)), rule.id);
            assert.equal(text.includes(aliasArn(1)), rule.id === "key-at-risk", rule.id);
        }
    });

    it("accepts a pattern of exactly EventBridge's limit, and not one character more", () => {
        // The key-at-risk pattern of one key whose alias name is chosen to make it exactly 4,096 characters long.
        const base = JSON.stringify(keyEventRules([keyArn(1)], ["x"])[0].pattern).length;
        const alias = "y".repeat(EVENT_PATTERN_MAX_LENGTH - base + 1);
        const exact = keyEventRules([keyArn(1)], [alias]);
        assert.equal(JSON.stringify(exact[0].pattern).length, EVENT_PATTERN_MAX_LENGTH);
        assert.deepEqual(oversizedPatterns(exact), []);
        assert.deepEqual(oversizedPatterns(keyEventRules([keyArn(1)], [`${alias}y`])), ["key-at-risk"]);
    });

    it("reports the rules whose pattern is longer than EventBridge's limit", () => {
        assert.equal(EVENT_PATTERN_MAX_LENGTH, 4096);
        assert.deepEqual(oversizedPatterns(keyEventRules([keyArn(1)], [aliasArn(1)])), []);
        const many = Array.from({ length: 40 }, (_, i) => i);
        assert.deepEqual(oversizedPatterns(keyEventRules(many.map(keyArn), many.map(aliasArn))), ["key-at-risk"]);
        const more = Array.from({ length: 60 }, (_, i) => i);
        assert.deepEqual(oversizedPatterns(keyEventRules(more.map(keyArn), [])), [
            "key-at-risk",
            "key-recovered",
            "key-deleted",
            "key-unusable",
        ]);
    });
});
