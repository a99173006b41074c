import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EventRulerError, matchEvents, NamedEvent } from "../helpers/eventRuler";

/**
 * The bridge to event-ruler, proved with patterns whose meaning AWS documents (exact values, prefix, anything-but,
 * exists, a list of values, nested fields and arrays in the event) against the CloudTrail fixtures. One JVM answers
 * every case; the first run also builds the bridge, which may fetch event-ruler from Maven Central.
 */

const fixturesDir = path.resolve(__dirname, "..", "fixtures", "cloudtrail");
const keyArn = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";

function fixtures(): NamedEvent[] {
    return fs
        .readdirSync(fixturesDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => ({
            name: path.basename(f, ".json"),
            event: JSON.parse(fs.readFileSync(path.join(fixturesDir, f), "utf8")),
        }));
}

const patterns: Record<string, unknown> = {
    exactScheduleKeyDeletion: {
        source: ["aws.kms"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: { eventName: ["ScheduleKeyDeletion"] },
    },
    listOfEventNames: { detail: { eventName: ["DisableKey", "EnableKey"] } },
    keyArnPrefix: { detail: { resources: { ARN: [{ prefix: "arn:aws:kms:ap-northeast-1:111111111111:key/" }] } } },
    ourKeyInDetailResources: { detail: { resources: { ARN: [keyArn] } } },
    ourKeyIdInRequestParameters: { detail: { requestParameters: { keyId: [keyId] } } },
    ourKeyInEnvelopeResources: { resources: [keyArn] },
    writesOnly: { source: ["aws.kms"], detail: { eventName: [{ "anything-but": ["DescribeKey", "Decrypt"] }] } },
    succeeded: { "detail-type": ["AWS API Call via CloudTrail"], detail: { errorCode: [{ exists: false }] } },
    keyUnusable: { detail: { eventName: ["Decrypt"], errorCode: ["KMSInvalidStateException", "DisabledException"] } },
    nativeDeletion: { source: ["aws.kms"], "detail-type": ["KMS CMK Deletion"], detail: { "key-id": [keyId] } },
};

describe("event-ruler bridge", function () {
    let matches: Record<string, string[]>;
    // Whether a pattern matched an event, by name.
    const matched = (pattern: string, event: string): boolean => {
        assert.ok(event in matches, `no result for event ${event}`);
        return matches[event].includes(pattern);
    };

    before(function () {
        // A first build resolves event-ruler and the Maven plugins; later runs reuse the cached jar.
        this.timeout(10 * 60 * 1000);
        matches = matchEvents(patterns, fixtures());
    });

    it("answers every event, in input order, with sorted pattern names", () => {
        assert.deepStrictEqual(
            Object.keys(matches),
            fixtures().map((f) => f.name),
        );
        for (const names of Object.values(matches)) {
            assert.deepStrictEqual(names, [...names].sort());
        }
    });

    it("matches exact values in the envelope and in detail", () => {
        assert.deepStrictEqual(
            Object.keys(matches)
                .filter((e) => matched("exactScheduleKeyDeletion", e))
                .sort(),
            ["schedule-key-deletion", "schedule-key-deletion-other-key"].sort(),
        );
    });

    it("matches any value of a list", () => {
        assert.deepStrictEqual(
            Object.keys(matches).filter((e) => matched("listOfEventNames", e)),
            ["disable-key", "enable-key"],
        );
    });

    it("matches a prefix inside an array of objects (detail.resources[].ARN)", () => {
        // Every CloudTrail fixture names a key in detail.resources; the native event has no detail.resources.
        assert.deepStrictEqual(
            Object.keys(matches).filter((e) => !matched("keyArnPrefix", e)),
            ["kms-cmk-deletion"],
        );
    });

    it("does not match the same call on another key", () => {
        assert.ok(matched("ourKeyInDetailResources", "schedule-key-deletion"));
        assert.ok(!matched("ourKeyInDetailResources", "schedule-key-deletion-other-key"));
    });

    it("matches a nested detail field exactly, so a key ID does not match a key ARN", () => {
        // DisableKeyRotation's documented record carries the key ARN in requestParameters.keyId, the others its ID.
        assert.ok(matched("ourKeyIdInRequestParameters", "disable-key"));
        assert.ok(!matched("ourKeyIdInRequestParameters", "disable-key-rotation"));
        assert.ok(!matched("ourKeyIdInRequestParameters", "delete-alias"));
    });

    it("matches the envelope's resources only for the native event", () => {
        assert.deepStrictEqual(
            Object.keys(matches).filter((e) => matched("ourKeyInEnvelopeResources", e)),
            ["kms-cmk-deletion"],
        );
        assert.ok(matched("nativeDeletion", "kms-cmk-deletion"));
    });

    it("excludes values with anything-but, which needs the field to be there", () => {
        assert.ok(!matched("writesOnly", "describe-key"));
        assert.ok(!matched("writesOnly", "decrypt-key-pending-deletion"));
        assert.ok(matched("writesOnly", "put-key-policy"));
        // The native event has no detail.eventName, and anything-but matches only a field that is present.
        assert.ok(!matched("writesOnly", "kms-cmk-deletion"));
    });

    it("matches a missing field with exists: false, and the failed request by its errorCode", () => {
        assert.ok(!matched("succeeded", "decrypt-key-pending-deletion"));
        assert.ok(matched("succeeded", "describe-key"));
        assert.deepStrictEqual(
            Object.keys(matches).filter((e) => matched("keyUnusable", e)),
            ["decrypt-key-pending-deletion"],
        );
    });

    it("gives exit 2 and event-ruler's message for a pattern it rejects", () => {
        assert.throws(
            () => matchEvents({ good: { source: ["aws.kms"] }, bad: { source: "aws.kms" } }, []),
            (e: unknown) =>
                e instanceof EventRulerError &&
                e.status === 2 &&
                /^event-ruler rejected pattern "bad": "source" must be an object or an array/.test(e.message) &&
                !e.message.includes("\n"),
        );
    });

    it("says in one line when java is missing", () => {
        assert.throws(
            () => matchEvents(patterns, [], { ...process.env, PATH: "" }),
            (e: unknown) =>
                e instanceof EventRulerError &&
                /^event-ruler: `java` is not on the PATH/.test(e.message) &&
                !e.message.includes("\n"),
        );
    });
});
