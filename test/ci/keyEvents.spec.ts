import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { keyEventRules } from "../../components/keyEvents";
import { matchEvents, NamedEvent } from "../helpers/eventRuler";

/**
 * The rules that watch the stack's keys, proved against AWS's own example events (test/fixtures/cloudtrail/, each
 * from the AWS page its README names) with AWS's own matcher, event-ruler: every watched call fires exactly its rule,
 * and the same call on another key, a read-only call and a call refused for another reason fire nothing they should
 * not.
 */

const fixturesDir = path.resolve(__dirname, "..", "fixtures", "cloudtrail");
const ourKey = "arn:aws:kms:ap-northeast-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ourAlias = "arn:aws:kms:ap-northeast-1:111111111111:alias/my_alias";
const otherKey = "arn:aws:kms:ap-northeast-1:111111111111:key/0987dcba-09fe-87dc-65ba-ab0987654321";

type Event = Record<string, unknown> & { detail: Record<string, unknown> & { resources?: { ARN: string }[] } };

function fixture(name: string): Event {
    return JSON.parse(fs.readFileSync(path.join(fixturesDir, `${name}.json`), "utf8")) as Event;
}

/** A fixture changed by `edit`, on a deep copy. */
function variant(name: string, edit: (event: Event) => void): Event {
    const event = fixture(name);
    edit(event);
    return event;
}

const patterns = Object.fromEntries(keyEventRules([ourKey], [ourAlias]).map((r) => [r.id, r.pattern]));

/** Each event and the rules it must fire, no more and no fewer. */
const expected: [string, Event, string[]][] = [
    ["ScheduleKeyDeletion", fixture("schedule-key-deletion"), ["key-at-risk"]],
    ["DisableKey", fixture("disable-key"), ["key-at-risk"]],
    ["PutKeyPolicy", fixture("put-key-policy"), ["key-at-risk"]],
    ["DisableKeyRotation", fixture("disable-key-rotation"), ["key-at-risk"]],
    ["DeleteAlias", fixture("delete-alias"), ["key-at-risk"]],
    ["UpdateAlias", fixture("update-alias"), ["key-at-risk"]],
    ["CancelKeyDeletion", fixture("cancel-key-deletion"), ["key-recovered"]],
    ["EnableKey", fixture("enable-key"), ["key-recovered"]],
    ["KMS CMK Deletion (native, no trail)", fixture("kms-cmk-deletion"), ["key-deleted"]],
    ["Decrypt refused: key pending deletion", fixture("decrypt-key-pending-deletion"), ["key-unusable"]],
    [
        "Decrypt refused: key disabled",
        variant("decrypt-key-pending-deletion", (e) => {
            e.detail.errorCode = "DisabledException";
            e.detail.errorMessage = `${ourKey} is disabled.`;
        }),
        ["key-unusable"],
    ],
    [
        "ScheduleKeyDeletion denied (an attempt)",
        variant("schedule-key-deletion", (e) => {
            e.detail.errorCode = "AccessDenied";
            e.detail.responseElements = null;
        }),
        ["key-at-risk"],
    ],
    [
        "UpdateAlias moving our alias to another key",
        variant("update-alias", (e) => {
            e.detail.resources = [{ ...e.detail.resources![0] }, { ...e.detail.resources![1], ARN: otherKey }];
        }),
        ["key-at-risk"],
    ],
    ["ScheduleKeyDeletion of another key", fixture("schedule-key-deletion-other-key"), []],
    [
        "DeleteAlias of another alias of another key",
        variant("delete-alias", (e) => {
            e.detail.resources = e.detail.resources!.map((r) => ({
                ...r,
                ARN: r.ARN.includes(":alias/") ? r.ARN.replace("my_alias", "other_alias") : otherKey,
            }));
        }),
        [],
    ],
    ["KMS CMK Deletion of another key", variant("kms-cmk-deletion", (e) => (e.resources = [otherKey])), []],
    ["DescribeKey (read-only)", fixture("describe-key"), []],
    [
        "Decrypt refused for another reason",
        variant("decrypt-key-pending-deletion", (e) => (e.detail.errorCode = "AccessDeniedException")),
        [],
    ],
];

describe("the rules that watch the stack's keys, under event-ruler", function () {
    // The first run builds the bridge, which may fetch event-ruler from Maven Central.
    this.timeout(300000);

    it("fire exactly as expected on AWS's example events, ours and others'", () => {
        const events: NamedEvent[] = expected.map(([name, event]) => ({ name, event }));
        const matched = matchEvents(patterns, events);
        assert.deepEqual(matched, Object.fromEntries(expected.map(([name, , rules]) => [name, rules])));
    });

    it("watch every key and alias of a stack: a second key and alias fire like the first", () => {
        const twoKeys = Object.fromEntries(
            keyEventRules([otherKey, ourKey], [ourAlias.replace("my_alias", "x"), ourAlias]).map((r) => [
                r.id,
                r.pattern,
            ]),
        );
        const matched = matchEvents(twoKeys, [
            { name: "other", event: fixture("schedule-key-deletion-other-key") },
            { name: "ours", event: fixture("schedule-key-deletion") },
        ]);
        assert.deepEqual(matched, { other: ["key-at-risk"], ours: ["key-at-risk"] });
    });
});
