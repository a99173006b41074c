// Each of the project's stacks under the real engine: the pack at preview, the tree the program registers, `up` as
// the journal sees it, the outputs, a refresh without changes, and what destroy does to the keys. Expectations come
// from the stack's own file and from the program itself (run under the mock runtime), never from a list kept here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as policyPackage from "../../policies/package.json";
import { listStacks, ProgramRun, RegisteredResource, runProgram } from "../../tools/lib/programRunner";
import { canonicalPolicy, JournalEntry, typeOfUrn } from "./awsStandIn/aws";
import { auditMandatoryFindings, cliMandatoryFindings, Finding, formatRun, sharedEngine, Workspace } from "./harness";

const repoDir = path.resolve(__dirname, "..", "..");
const { name: packName, version: packVersion } = policyPackage;
const keyType = "aws:kms/key:Key";

/** The key properties that decide whether a key is safe, compared exactly between the program and the engine. */
const keyFields = [
    "description",
    "keyUsage",
    "customerMasterKeySpec",
    "multiRegion",
    "isEnabled",
    "enableKeyRotation",
    "rotationPeriodInDays",
    "deletionWindowInDays",
    "bypassPolicyLockoutSafetyCheck",
    "tags",
] as const;

function customUrns(resources: { urn: string; type: string }[]): string[] {
    return resources
        .filter((r) => !r.type.startsWith("pulumi:providers:"))
        .map((r) => r.urn)
        .sort();
}

function creates(journal: JournalEntry[], type: string): JournalEntry[] {
    return journal.filter((e) => e.op === "create" && e.type === type);
}

function parseJson<T>(text: string, what: string): T {
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new Error(`${what} is not JSON:\n${text}`);
    }
}

for (const stack of listStacks(repoDir)) {
    describe(`the ${stack} stack under the real engine`, function () {
        let workspace: Workspace;
        let planned: ProgramRun;
        let keys: RegisteredResource[];
        /** The mandatory violations `pulumi preview --policy-pack` reported: the CLI's verdict. */
        let cliVerdict: Finding[] | undefined;

        before(async function () {
            planned = await runProgram(stack);
            assert.strictEqual(planned.error, undefined, `the program refuses Pulumi.${stack}.yaml: ${planned.error}`);
            keys = planned.resources.filter((r) => r.type === keyType);
            workspace = new Workspace(sharedEngine(), stack);
            const init = workspace.init();
            assert.strictEqual(init.status, 0, formatRun(init));
        });

        after(() => workspace?.dispose());

        it("previews with the policy pack and its stack config without a mandatory violation", function () {
            const preview = workspace.previewWithPack();
            assert.strictEqual(preview.status, 0, formatRun(preview));
            // The pack ran and passed: the CLI lists it with a check mark; a violation would be listed under it.
            assert.match(
                preview.stdout,
                new RegExp(`✅ ${packName}@v${packVersion} \\(local: policies\\)`),
                formatRun(preview),
            );
            cliVerdict = cliMandatoryFindings(preview.stdout);
            assert.deepStrictEqual(cliVerdict, []);
            assert.doesNotMatch(preview.stdout, /mandatory/, formatRun(preview));
        });

        it("`preview --json` lists exactly the resources the program registers", function () {
            const preview = workspace.pulumi(["preview", "--stack", stack, "--json"]);
            assert.strictEqual(preview.status, 0, formatRun(preview));
            const steps = parseJson<{ steps: { urn: string; op: string; newState?: { type: string } }[] }>(
                preview.stdout,
                "pulumi preview --json",
            ).steps;
            assert.ok(
                steps.every((s) => s.op === "create"),
                JSON.stringify(steps.map((s) => [s.op, s.urn])),
            );
            assert.deepStrictEqual(
                customUrns(steps.map((s) => ({ urn: s.urn, type: s.newState?.type ?? typeOfUrn(s.urn) }))),
                customUrns(planned.resources),
            );
            assert.deepStrictEqual(creates(workspace.journal(), keyType), [], "a preview must not create anything");
        });

        it("`up` creates each key once, with the program's exact key policy, rotation, deletion window and tags", function () {
            workspace.deploy();
            const created = creates(workspace.journal(), keyType);
            assert.deepStrictEqual(created.map((e) => e.urn).sort(), keys.map((k) => k.urn).sort());
            for (const key of keys) {
                const sent = created.find((e) => e.urn === key.urn)?.inputs ?? {};
                for (const field of keyFields) {
                    assert.deepStrictEqual(sent[field], key.inputs[field], `${key.urn}: ${field}`);
                }
                assert.strictEqual(
                    canonicalPolicy(sent.policy as string),
                    canonicalPolicy(key.inputs.policy as string),
                    `${key.urn}: policy`,
                );
            }
            const createdUrns = workspace
                .journal()
                .filter((e) => e.op === "create")
                .map((e) => e.urn as string);
            assert.deepStrictEqual(
                createdUrns.sort(),
                customUrns(planned.resources.filter((r) => r.custom)),
                "every custom resource created once",
            );
        });

        it("`stack output --json` has each key's id, ARN and alias, and the endpoint's, as AWS reported them", function () {
            const result = workspace.pulumi(["stack", "output", "--json", "--stack", stack]);
            assert.strictEqual(result.status, 0, formatRun(result));
            const outputs = parseJson<{
                keys: Record<string, { keyId: string; arn: string; alias: string }>;
                vpcEndpoint?: { endpointId: string; dnsEntries: { dnsName: string }[]; securityGroupId: string };
            }>(result.stdout, "pulumi stack output --json");
            const aws = workspace.aws().resources;
            const created = creates(workspace.journal(), keyType);
            // The stack's keys; the alerts' topic key is not one of them (the alerts output names the topic).
            const expectedKeys = Object.fromEntries(
                keys
                    .filter((key) => key.urn.includes("kms-keys:kms:KmsKey$"))
                    .map((key) => {
                        const id = created.find((e) => e.urn === key.urn)?.id as string;
                        const alias = planned.resources.find(
                            (r) => r.type === "aws:kms/alias:Alias" && r.parent === key.parent,
                        );
                        const component = (key.parent as string).split("::").pop();
                        return [component, { keyId: id, arn: aws[id]?.outputs.arn, alias: alias?.inputs.name }];
                    }),
            );
            assert.deepStrictEqual(outputs.keys, expectedKeys);
            const endpoint = Object.values(aws).find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
            const group = Object.values(aws).find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup");
            assert.deepStrictEqual(
                outputs.vpcEndpoint,
                endpoint && group
                    ? { endpointId: endpoint.id, dnsEntries: endpoint.outputs.dnsEntries, securityGroupId: group.id }
                    : undefined,
            );
        });

        it("`up` creates the alert rules watching every key and alias as AWS reported them, each publishing to the alerts' topic (none where the stack turns them off)", function () {
            const rules = planned.resources.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule");
            const journal = workspace.journal();
            const created = creates(journal, "aws:cloudwatch/eventRule:EventRule");
            assert.deepStrictEqual(created.map((e) => e.inputs?.name).sort(), rules.map((r) => r.inputs.name).sort());
            if (rules.length === 0) {
                return;
            }
            const aws = Object.values(workspace.aws().resources);
            const arnsOf = (type: string) => aws.filter((r) => r.type === type).map((r) => r.outputs.arn as string);
            const atRisk = created.find((e) => String(e.inputs?.name).endsWith("-key-at-risk"));
            const pattern = JSON.parse(atRisk?.inputs?.eventPattern as string) as {
                detail: { resources: { ARN: string[] } };
            };
            const keyArns = arnsOf(keyType);
            assert.ok(keyArns.length >= 2, "the stack's keys exist");
            assert.deepStrictEqual(
                [...pattern.detail.resources.ARN].sort(),
                [...keyArns, ...arnsOf("aws:kms/alias:Alias")].sort(),
            );
            const result = workspace.pulumi(["stack", "output", "--json", "--stack", stack]);
            assert.strictEqual(result.status, 0, formatRun(result));
            const { alerts } = parseJson<{ alerts: { topicArn: string } }>(result.stdout, "pulumi stack output --json");
            const targets = creates(journal, "aws:cloudwatch/eventTarget:EventTarget");
            assert.deepStrictEqual(
                targets.map((e) => [e.inputs?.rule, e.inputs?.arn]).sort(),
                created.map((e) => [e.inputs?.name, alerts.topicArn]).sort(),
            );
        });

        for (const [what, args] of [
            ["stack export", ["stack", "export"]],
            ["preview --json", ["preview", "--json"]],
        ] as const) {
            it(`the offline audit of \`pulumi ${what}\` after \`up\` gives the CLI's verdict`, function () {
                assert.ok(cliVerdict !== undefined, "the policy-pack preview ran first");
                const result = workspace.pulumi([...args, "--stack", stack]);
                assert.strictEqual(result.status, 0, formatRun(result));
                const file = path.join(workspace.dir, `${what.replace(/\W+/g, "-")}.json`);
                fs.writeFileSync(file, result.stdout);
                assert.deepStrictEqual(auditMandatoryFindings(file, stack), cliVerdict);
            });
        }

        it("`refresh` after `up` finds no changes", function () {
            const refresh = workspace.pulumi(["refresh", "--yes", "--expect-no-changes", "--stack", stack]);
            assert.strictEqual(refresh.status, 0, formatRun(refresh));
        });
    });
}
