import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { UsageError } from "../../tools/lib/errors";
import { AnalyzedResource, SECRET_SIG, SIG_KEY, UNKNOWN } from "../../tools/lib/policyHost";
import { detectStateFormat, parseStateDocument, parseUrn, readStateFile } from "../../tools/lib/stateReaders";

const FIXTURES = path.join(__dirname, "..", "fixtures", "audit");
const EXPECTED = 'expected a "pulumi stack export" document (version 3) or "pulumi preview --json" output';
const UNREADABLE = { [SIG_KEY]: SECRET_SIG, ciphertext: "[secret]" };

function fixture(name: string): string {
    return path.join(FIXTURES, name);
}

function byName(resources: AnalyzedResource[], name: string): AnalyzedResource {
    const found = resources.find((r) => r.name === name);
    assert.ok(found, `no resource named ${name}`);
    return found;
}

function userError(fn: () => unknown, message: string): void {
    assert.throws(fn, (e: Error) => {
        assert.ok(e instanceof UsageError, `expected a UsageError, got ${e}`);
        assert.strictEqual(e.message, message);
        return true;
    });
}

describe("state readers", function () {
    describe("URNs", function () {
        it("splits a URN, taking the type after the last $ and a name that may hold ::", function () {
            assert.deepStrictEqual(
                parseUrn("urn:pulumi:prod::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::aurora::key"),
                {
                    stack: "prod",
                    project: "kms-keys",
                    type: "aws:kms/key:Key",
                    name: "aurora::key",
                },
            );
            assert.strictEqual(parseUrn("urn:pulumi:prod::kms-keys::aws:kms/key:Key"), undefined);
            assert.strictEqual(parseUrn(42), undefined);
        });
    });

    describe("pulumi stack export", function () {
        it("reads the export from Pulumi's API documentation as it is", function () {
            const state = readStateFile(fixture("pulumi-docs-stack-export.json"));
            assert.strictEqual(state.format, "stack-export");
            assert.strictEqual(state.stack, "dev-user1");
            assert.strictEqual(state.project, "demo-aws-ts-webserver");
            assert.deepStrictEqual(
                state.resources.map((r) => [r.type, r.name, r.custom]),
                [
                    ["pulumi:pulumi:Stack", "demo-aws-ts-webserver-dev-user1", false],
                    ["pulumi:providers:aws", "default_3_32_0", true],
                    ["aws:ec2/vpc:Vpc", "main", true],
                ],
            );
            const vpc = byName(state.resources, "main");
            // `null` property dependencies mean "depends on nothing".
            assert.deepStrictEqual(vpc.propertyDependencies, { cidrBlock: [] });
            assert.strictEqual(
                vpc.provider,
                "urn:pulumi:dev-user1::demo-aws-ts-webserver::pulumi:providers:aws::default_3_32_0::d77c9fd7-1c06-427d-ba26-dbd8a8cbf91a",
            );
            assert.strictEqual(
                vpc.parent,
                "urn:pulumi:dev-user1::demo-aws-ts-webserver::pulumi:pulumi:Stack::demo-aws-ts-webserver-dev-user1",
            );
            // The readers keep values as the file holds them; the policy host drops `__` keys as the engine does.
            assert.deepStrictEqual(vpc.inputs["__defaults"], [
                "assignGeneratedIpv6CidrBlock",
                "enableDnsSupport",
                "instanceTenancy",
            ]);
            assert.strictEqual(vpc.outputs["cidrBlock"], "10.0.0.0/16");
            assert.deepStrictEqual(vpc.dependencies, []);
        });

        it("keeps secrets, components, foreign providers and reads, and drops resources pending deletion", function () {
            const state = readStateFile(fixture("mixed-secrets.stack-export.json"));
            assert.deepStrictEqual(
                state.resources.map((r) => r.name),
                [
                    "payments-dev",
                    "default_6_83_0",
                    "default_4_18_2",
                    "gcp-eu",
                    "ledger",
                    "ledger-key",
                    "ledger-alias",
                    "ledger-eu-archive",
                    "db-password",
                    "shared",
                ],
            );
            assert.strictEqual(
                state.resources.find((r) => r.name === "retired-key"),
                undefined,
            );
            assert.strictEqual(byName(state.resources, "shared").external, true);
            assert.strictEqual(byName(state.resources, "ledger").custom, false);
            const key = byName(state.resources, "ledger-key");
            assert.deepStrictEqual(key.inputs["policy"], {
                [SIG_KEY]: SECRET_SIG,
                ciphertext: "v1:Qm9ndXNDaXBoZXJ0ZXh0Rm9yRml4dHVyZQ==:v1:7M2t3Qw0m8Xj+1N5b6Vq4k9Y0pL3aZc8R2sT6uW1xE4=",
            });
            assert.deepStrictEqual(byName(state.resources, "db-password").additionalSecretOutputs, [
                "bcryptHash",
                "result",
            ]);
        });

        it("reads the options of a resource", function () {
            const key = byName(readStateFile(fixture("kms-keys-insecure.stack-export.json")).resources, "aurora-key");
            assert.strictEqual(key.protect, true);
            assert.strictEqual(key.retainOnDelete, true);
            assert.strictEqual(key.parent, "urn:pulumi:production::kms-keys::kms-keys:kms:KmsKey::aurora");
            assert.strictEqual(key.type, "aws:kms/key:Key");
        });

        it("rejects an export of another version, or with a malformed resource, naming the key", function () {
            userError(
                () => parseStateDocument({ version: 2, deployment: { resources: [] } }, "old.json"),
                'old.json: version: 2 is not supported; expected a "pulumi stack export" document with version 3 (export it again with a current Pulumi CLI)',
            );
            userError(
                () => parseStateDocument({ version: 3, deployment: { resources: {} } }, "x.json"),
                "x.json: deployment.resources: {} is not allowed; expected an array",
            );
            userError(
                () =>
                    parseStateDocument(
                        { version: 3, deployment: { resources: [{ urn: "aurora-key", type: "aws:kms/key:Key" }] } },
                        "x.json",
                    ),
                'x.json: deployment.resources[0].urn: "aurora-key" is not allowed; expected urn:pulumi:<stack>::<project>::<type>::<name>',
            );
            userError(
                () =>
                    parseStateDocument(
                        {
                            version: 3,
                            deployment: { resources: [{ urn: "urn:pulumi:s::p::aws:kms/key:Key::k", inputs: [1] }] },
                        },
                        "x.json",
                    ),
                "x.json: deployment.resources[0].inputs: [1] is not allowed; expected an object",
            );
        });

        it("accepts an export of an empty stack", function () {
            const state = parseStateDocument({ version: 3, deployment: { manifest: {} } }, "empty.json");
            assert.deepStrictEqual(state, {
                file: "empty.json",
                format: "stack-export",
                stack: undefined,
                project: undefined,
                resources: [],
            });
        });
    });

    describe("pulumi preview --json", function () {
        const state = readStateFile(fixture("mixed.preview.json"));

        it("reads the planned stack: every step with a new state, deletes left out", function () {
            assert.strictEqual(state.format, "preview");
            assert.strictEqual(state.stack, "staging");
            assert.strictEqual(state.resources.length, 17);
            assert.strictEqual(
                state.resources.find((r) => r.name === "legacy-key"),
                undefined,
            );
            assert.deepStrictEqual(
                state.resources.filter((r) => r.type.startsWith("pulumi:")).map((r) => r.name),
                ["kms-keys-staging", "default_7_12_0", "default_4_18_2", "default_8_41_0"],
            );
        });

        it('turns every "[secret]" mask into a secret nobody can read', function () {
            assert.deepStrictEqual(byName(state.resources, "audit-key").inputs["policy"], UNREADABLE);
            assert.deepStrictEqual(byName(state.resources, "opensearch-master").inputs["overrideSpecial"], UNREADABLE);
            assert.deepStrictEqual(byName(state.resources, "kms-keys-staging").outputs["dbMasterPassword"], UNREADABLE);
        });

        it("keeps unknown values as the engine's sentinel", function () {
            assert.strictEqual(byName(state.resources, "aurora-key").inputs["policy"], UNKNOWN);
            assert.strictEqual(byName(state.resources, "opensearch-alias").inputs["targetKeyId"], UNKNOWN);
        });

        it("rebuilds the planned state each step leads to", function () {
            // same: the old outputs stand.
            const alias = byName(state.resources, "aurora-alias");
            assert.strictEqual(
                alias.outputs["targetKeyArn"],
                "arn:aws:kms:ap-northeast-1:555566667777:key/aaaa1111-2222-4333-8444-555566667777",
            );
            // update: old outputs overlaid with the new inputs.
            const key = byName(state.resources, "aurora-key");
            assert.strictEqual(key.outputs["enableKeyRotation"], false);
            assert.strictEqual(key.outputs["keyId"], "aaaa1111-2222-4333-8444-555566667777");
            assert.strictEqual(key.outputs["policy"], UNKNOWN);
            // create: the inputs, and nothing the provider has not computed yet.
            const created = byName(state.resources, "opensearch-key");
            assert.strictEqual(created.outputs["keyId"], undefined);
            assert.strictEqual(created.outputs["deletionWindowInDays"], 7);
        });

        it("marks reads as external and takes the provider from the step", function () {
            const vpc = byName(state.resources, "shared-vpc");
            assert.strictEqual(vpc.external, true);
            assert.strictEqual(
                byName(state.resources, "opensearch-master").provider,
                "urn:pulumi:staging::kms-keys::pulumi:providers:random::default_4_18_2::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            );
        });

        it("gives a replacement unknown provider-computed outputs and keeps one resource per URN", function () {
            const urn = "urn:pulumi:s::p::aws:kms/key:Key::k";
            const oldState = {
                urn,
                custom: true,
                type: "aws:kms/key:Key",
                inputs: { multiRegion: false },
                outputs: { multiRegion: false, arn: "arn:old", keyId: "old" },
            };
            const newState = { urn, custom: true, type: "aws:kms/key:Key", inputs: { multiRegion: true } };
            const preview = {
                steps: [
                    { op: "create-replacement", urn, oldState, newState },
                    { op: "replace", urn, oldState, newState },
                    { op: "delete-replaced", urn, oldState },
                ],
                changeSummary: { replace: 1 },
            };
            const { resources } = parseStateDocument(preview, "replace.json");
            assert.strictEqual(resources.length, 1);
            assert.deepStrictEqual(resources[0].outputs, { multiRegion: true, arn: UNKNOWN, keyId: UNKNOWN });
        });

        it("rejects a step that is not one", function () {
            userError(
                () => parseStateDocument({ steps: [{ urn: "urn:pulumi:s::p::t::n" }] }, "p.json"),
                'p.json: steps[0]: {"urn":"urn:pulumi:s::p::t::n"} is not allowed; expected a step with "op" and "urn"',
            );
        });
    });

    describe("pulumi preview --json, as the CLI wrote it", function () {
        // Written by `npm run fixtures:audit`: a change to an exported stack, previewed by the real CLI.
        const state = readStateFile(fixture("kms-keys-changed.preview.json"));
        const exported = readStateFile(fixture("kms-keys-insecure.stack-export.json"));

        it("reads the planned stack: the same stack, the updated key and alias, the new key and alias", function () {
            assert.strictEqual(state.format, "preview");
            assert.strictEqual(state.stack, "production");
            assert.strictEqual(state.project, "kms-keys");
            assert.deepStrictEqual(state.resources.map((r) => [r.type, r.name]).sort(), [
                ["aws:kms/alias:Alias", "audit-alias"],
                ["aws:kms/alias:Alias", "aurora-alias"],
                ["aws:kms/key:Key", "audit-key"],
                ["aws:kms/key:Key", "aurora-key"],
                ["pulumi:pulumi:Stack", "kms-keys-production"],
            ]);
        });

        it("turns the CLI's secret mask into a secret nobody can read, and keeps the rest of the value", function () {
            const tags = byName(state.resources, "aurora-key").inputs["tags"] as Record<string, unknown>;
            assert.deepStrictEqual(tags, {
                Name: "aurora",
                Owner: "platform",
                Service: "Aurora-PostgreSQL",
                Ticket: UNREADABLE,
            });
        });

        it("keeps values the update will decide as the engine's unknown", function () {
            assert.strictEqual(byName(state.resources, "audit-alias").inputs["targetKeyId"], UNKNOWN);
            assert.strictEqual(byName(state.resources, "audit-key").outputs["arn"], undefined);
        });

        it("plans an update over the exported outputs: the key keeps its ARN and options", function () {
            const before = byName(exported.resources, "aurora-key");
            const after = byName(state.resources, "aurora-key");
            assert.strictEqual(after.outputs["arn"], before.outputs["arn"]);
            assert.strictEqual(after.outputs["policy"], before.outputs["policy"]);
            assert.strictEqual(after.protect, true);
            assert.strictEqual(after.retainOnDelete, true);
            assert.strictEqual(after.parent, "urn:pulumi:production::kms-keys::kms-keys:kms:KmsKey::aurora");
        });
    });

    describe("anything else", function () {
        let dir: string;

        before(function () {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "state-readers-"));
        });

        after(function () {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("tells the two formats apart", function () {
            assert.strictEqual(detectStateFormat({ version: 3, deployment: {} }), "stack-export");
            assert.strictEqual(detectStateFormat({ steps: [] }), "preview");
            assert.strictEqual(detectStateFormat({ changeSummary: { same: 2 } }), "preview");
            assert.strictEqual(detectStateFormat({}), undefined);
            assert.strictEqual(detectStateFormat([]), undefined);
        });

        it("names the file and what was expected", function () {
            const missing = path.join(dir, "nope.json");
            userError(() => readStateFile(missing), `${missing}: cannot read (no such file); ${EXPECTED}`);
            userError(() => readStateFile(dir), `${dir}: cannot read (is a directory); ${EXPECTED}`);

            const text = path.join(dir, "preview.txt");
            fs.writeFileSync(text, "Previewing update (staging):\n");
            assert.throws(
                () => readStateFile(text),
                (e: Error) => {
                    assert.ok(e instanceof UsageError);
                    assert.match(
                        e.message,
                        /preview\.txt: not valid JSON \(.+\); expected a "pulumi stack export" document/,
                    );
                    return true;
                },
            );

            const other = path.join(dir, "package.json");
            fs.writeFileSync(other, JSON.stringify({ name: "kms-keys", version: "1.0.0" }));
            userError(
                () => readStateFile(other),
                `${other}: not ${EXPECTED.replace("expected ", "")}; got an object of another shape`,
            );

            const list = path.join(dir, "list.json");
            fs.writeFileSync(list, "[]");
            userError(() => readStateFile(list), `${list}: not ${EXPECTED.replace("expected ", "")}; got an array`);
        });
    });
});
