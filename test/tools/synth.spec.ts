import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { goldenResources } from "../golden/golden";
import { main as auditMain } from "../../tools/audit";
import { UsageError } from "../../tools/lib/errors";
import { sharedPackHost } from "../helpers/packHost";
import { runSynth } from "../../tools/synth";
import { listStacks } from "../../tools/lib/programRunner";
import { copyProject } from "../helpers/projectCopy";
import { fixtureProjectDir, projectDir } from "../helpers/stackConfig";

/** A copy of the project whose stack files and policy configs are the tests' fixture stacks instead of the user's. */
export function copyFixtureProject(): string {
    const copy = copyProject();
    // The repository's account descriptions belong to its own stack files.
    fs.rmSync(path.join(copy, "facts"), { recursive: true, force: true });
    for (const stack of listStacks(copy)) {
        fs.rmSync(path.join(copy, `Pulumi.${stack}.yaml`));
        fs.rmSync(path.join(copy, "policies", "config", `${stack}.json`), { force: true });
    }
    for (const stack of listStacks(fixtureProjectDir)) {
        fs.copyFileSync(path.join(fixtureProjectDir, `Pulumi.${stack}.yaml`), path.join(copy, `Pulumi.${stack}.yaml`));
        fs.copyFileSync(
            path.join(fixtureProjectDir, "policies", "config", `${stack}.json`),
            path.join(copy, "policies", "config", `${stack}.json`),
        );
    }
    return copy;
}

interface ToolRun {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs synth in this process, as `runCommand` would: a user error becomes its one line on stderr and its exit code. */
async function synth(args: string[], dir: string = projectDir): Promise<ToolRun> {
    let stdout = "";
    try {
        const status = await runSynth(args, (text) => void (stdout += text), dir, { host: await sharedPackHost() });
        return { status, stdout, stderr: "" };
    } catch (error) {
        if (UsageError.isInstance(error)) {
            return { status: error.exitCode, stdout, stderr: `${error.message}\n` };
        }
        throw error;
    }
}

/** Runs the audit in this process with a policy config file, returning its exit code and --json verdict. */
async function auditJson(
    file: string,
    policyConfig: string,
): Promise<{ status: number; verdict: Record<string, unknown> }> {
    let stdout = "";
    const io = { stdout: (text: string) => void (stdout += text), stderr: (text: string) => assert.fail(text) };
    const status = await auditMain([file, "--policy-config", policyConfig, "--json"], io, {
        host: await sharedPackHost(),
    });
    return { status, verdict: JSON.parse(stdout) as Record<string, unknown> };
}

const stacks = {
    // ap-northeast-1: keys rotated yearly ($1 a month each, $3 after two rotations), an endpoint in two zones at
    // $0.014 per AZ-hour. Alerts: 4 rules and their targets in a component; production and development create the
    // topic with its own key (alias, topic, topic policy; production with two email subscriptions), staging sends
    // to an existing topic.
    production: { account: "111111111111", resources: 26, monthly: 23.44, steady: 29.44, alertsKey: true },
    staging: { account: "222222222222", resources: 20, monthly: 22.44, steady: 26.44, alertsKey: false },
    development: { account: "333333333333", resources: 20, monthly: 3, steady: 9, alertsKey: true },
} as const;

describe("npm run synth of the repository's own stacks, whatever values a user puts in them", function () {
    this.timeout(180000);

    it("validates and plans every stack, each passing the pack under its own policy config (exit 0)", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-own-"));
        try {
            const run = await synth(["--all", "--out", out]);
            assert.equal(run.stderr, "");
            assert.equal(run.status, 0);
            const stacks = listStacks(projectDir);
            assert.match(run.stdout, new RegExp(`No mandatory policy violation in ${stacks.join(", ")}\\.\n$`));
            for (const stack of stacks) {
                const report = JSON.parse(fs.readFileSync(path.join(out, `${stack}.report.json`), "utf8"));
                assert.deepEqual([report.stack, report.violations, report.undecided], [stack, [], []]);
            }
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});

describe("npm run synth", function () {
    this.timeout(180000);
    let out: string;
    let fixture: string;
    let result: ToolRun;

    before(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        fixture = copyFixtureProject();
        result = await synth(["--all", "--out", out], fixture);
    });

    after(() => {
        fs.rmSync(out, { recursive: true, force: true });
        fs.rmSync(fixture, { recursive: true, force: true });
    });

    it("plans every stack with no mandatory violation (exit 0)", () => {
        assert.equal(result.stderr, "");
        assert.equal(result.status, 0);
        assert.match(result.stdout, /No mandatory policy violation in development, production, staging\.\n$/);
    });

    for (const [stack, expected] of Object.entries(stacks)) {
        describe(stack, () => {
            it("writes a stack export (version 3) of every registration", () => {
                const doc = JSON.parse(fs.readFileSync(path.join(out, `${stack}.deployment.json`), "utf8"));
                assert.equal(doc.version, 3);
                const resources = doc.deployment.resources;
                assert.equal(resources.length, expected.resources);
                const key = resources.find(
                    (r: { urn: string }) =>
                        r.urn ===
                        `urn:pulumi:${stack}::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::aurora-postgres-key`,
                );
                assert.equal(key.custom, true);
                assert.equal(key.type, "aws:kms/key:Key");
                assert.equal(key.parent, `urn:pulumi:${stack}::kms-keys::kms-keys:kms:KmsKey::aurora-postgres`);
                assert.equal(key.protect, stack !== "development");
                assert.equal(key.retainOnDelete, stack === "production");
                assert.equal(key.inputs.enableKeyRotation, true);
            });

            it("writes each key policy, pretty-printed, exactly as the program registers it (its golden file)", () => {
                const registered = goldenResources(stack, "update");
                for (const [file, keyName] of [
                    ["aurora-postgres-serverless-v2.key-policy.json", "aurora-postgres-key"],
                    ["opensearch-data-encryption.key-policy.json", "opensearch-key"],
                ] as const) {
                    const text = fs.readFileSync(path.join(out, stack, file), "utf8");
                    const key = registered.find((r) => r.name === keyName);
                    const policy = JSON.parse(key?.inputs["policy"] as string) as unknown;
                    assert.equal(text, `${JSON.stringify(policy, null, 2)}\n`);
                }
                assert.deepEqual(fs.readdirSync(path.join(out, stack)).sort(), [
                    "aurora-postgres-serverless-v2.key-policy.json",
                    ...(expected.alertsKey ? [`kms-keys-${stack}-key-alerts.key-policy.json`] : []),
                    "opensearch-data-encryption.key-policy.json",
                ]);
            });

            it("writes a report with no violation, nothing undecided, and the monthly cost", () => {
                const report = JSON.parse(fs.readFileSync(path.join(out, `${stack}.report.json`), "utf8"));
                assert.deepEqual(report.violations, []);
                assert.deepEqual(report.undecided, []);
                assert.equal(report.stack, stack);
                assert.equal(report.costEstimate.currency, "USD");
                assert.equal(report.costEstimate.monthly, expected.monthly);
                assert.equal(report.costEstimate.steadyMonthly, expected.steady);
            });

            it("prints the tree, the key policies, the verdict and the cost", () => {
                const section = result.stdout.split(`== ${stack} ==`)[1].split("== ")[0];
                const flags = { production: "  [protect, retainOnDelete]", staging: "  [protect]", development: "" }[
                    stack
                ];
                assert.ok(
                    section.includes(
                        `    kms-keys:kms:KmsKey aurora-postgres\n      aws:kms/key:Key aurora-postgres-key${flags}\n      aws:kms/alias:Alias aurora-postgres-alias\n`,
                    ),
                );
                assert.match(
                    section,
                    /Key policy of alias\/opensearch-data-encryption:\n\{\n {2}"Version": "2012-10-17"/,
                );
                assert.match(section, /violations: none/);
                assert.match(
                    section,
                    new RegExp(`total\\s+\\$${expected.monthly.toFixed(2)}\\s+\\$${expected.steady.toFixed(2)}\n`),
                );
                assert.match(section, /assumes endpoint \$0\.014 per AZ-hour in ap-northeast-1, 730 hours a month/);
            });
        });
    }

    it("audit of each synth output gives the same verdict as synth", async () => {
        for (const stack of Object.keys(stacks)) {
            const config = path.join(fixture, "policies", "config", `${stack}.json`);
            const audit = await auditJson(path.join(out, `${stack}.deployment.json`), config);
            assert.equal(audit.status, 0);
            const report = JSON.parse(fs.readFileSync(path.join(out, `${stack}.report.json`), "utf8"));
            assert.deepEqual(audit.verdict.violations, report.violations);
            assert.deepEqual(audit.verdict.undecided, report.undecided);
        }
    });

    it("audit of a synth output with rotation turned off fails it by name (exit 1)", async () => {
        const file = path.join(out, "production.deployment.json");
        const doc = JSON.parse(fs.readFileSync(file, "utf8"));
        const key = doc.deployment.resources.find((r: { type: string }) => r.type === "aws:kms/key:Key");
        key.inputs.enableKeyRotation = false;
        key.outputs.enableKeyRotation = false;
        const mutated = path.join(out, "production.rotation-off.json");
        fs.writeFileSync(mutated, JSON.stringify(doc));
        const audit = await auditJson(mutated, path.join(fixture, "policies", "config", "production.json"));
        assert.equal(audit.status, 1);
        assert.deepEqual(
            (audit.verdict.violations as { policy: string; urn: string }[]).map((v) => [v.policy, v.urn]),
            [["kms-key-rotation-enabled", key.urn]],
        );
    });

    it("plans the development stack by default, into out/ of the working directory", async () => {
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "synth-default-"));
        const previous = process.cwd();
        // Specs of one process run one at a time, so the working directory is this test's until it ends.
        process.chdir(cwd);
        try {
            const run = await synth([]);
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(fs.readdirSync(path.join(cwd, "out")).sort(), [
                "development",
                "development.deployment.json",
                "development.report.json",
            ]);
        } finally {
            process.chdir(previous);
            fs.rmSync(cwd, { recursive: true, force: true });
        }
    });

    it("refuses a stack whose config is bad with exit 2, the config error on one line, and nothing written", async () => {
        const copy = copyFixtureProject();
        try {
            const file = path.join(copy, "Pulumi.staging.yaml");
            fs.writeFileSync(
                file,
                fs.readFileSync(file, "utf8").replace("deletionWindowInDays: 14", "deletionWindowInDays: 31"),
            );
            const run = await synth(["--all", "--out", path.join(copy, "out")], copy);
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.equal(
                run.stderr,
                "Pulumi.staging.yaml: kms-keys:keys.aurora-postgres.deletionWindowInDays: 31 is not allowed; expected an integer from 7 to 30 (days AWS waits before deleting a key scheduled for deletion)\n",
            );
            assert.equal(fs.existsSync(path.join(copy, "out")), false);
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });

    const invalid: [string, string[], string][] = [
        [
            "an unknown stack",
            ["--stack", "qa"],
            `synth: --stack "qa": no Pulumi.qa.yaml; stacks: ${listStacks(projectDir).join(", ")}`,
        ],
        [
            "--stack with --all",
            ["--stack", "staging", "--all"],
            "synth: --stack and --all exclude each other; usage: npm run synth -- [--stack <name> [--facts FILE] | --all] [--out DIR] [--json]",
        ],
        [
            "an unknown option",
            ["--stak", "staging"],
            "synth: Unknown option '--stak'; usage: npm run synth -- [--stack <name> [--facts FILE] | --all] [--out DIR] [--json]",
        ],
    ];
    for (const [what, args, message] of invalid) {
        it(`refuses ${what} with exit 2, one line and nothing written`, async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-bad-"));
            try {
                const run = await synth([...args, "--out", path.join(dir, "plan")]);
                assert.equal(run.status, 2);
                assert.equal(run.stdout, "");
                assert.equal(run.stderr, `${message}\n`);
                assert.deepEqual(fs.readdirSync(dir), []);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});

/** A facts document as a test edits it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FactsDoc = Record<string, any>;

describe("npm run synth --facts: planning against a description of the account", function () {
    this.timeout(120000);
    const factsFile = path.join(fixtureProjectDir, "..", "facts", "production.yaml");
    let copy: string;
    let dir: string;

    before(() => {
        copy = copyFixtureProject();
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-facts-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The facts file with `change` applied, written to a temporary file. */
    function factsWith(change: (doc: FactsDoc) => void): string {
        const doc = YAML.parse(fs.readFileSync(factsFile, "utf8")) as Record<string, unknown>;
        change(doc);
        const file = path.join(dir, "facts.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        return file;
    }

    it("answers the look-ups from the file: the endpoint goes into the subnets it names", async () => {
        const run = await synth(["--stack", "production", "--facts", factsFile, "--out", path.join(dir, "plan")], copy);
        assert.equal(run.stderr, "");
        assert.equal(run.status, 0);
        const exported = JSON.parse(fs.readFileSync(path.join(dir, "plan", "production.deployment.json"), "utf8")) as {
            deployment: { resources: { type: string; inputs: Record<string, unknown> }[] };
        };
        const endpoint = exported.deployment.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.deepEqual(endpoint?.inputs.subnetIds, ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]);
        assert.equal(endpoint?.inputs.vpcId, "vpc-0a1b2c3d4e5f60718");
    });

    it("stops with the program's one line when the account lacks a principal the keys name (exit 2)", async () => {
        const file = factsWith((doc) => {
            doc.principals = (doc.principals as string[]).filter((p) => !p.endsWith("/SearchAdministrator"));
        });
        const run = await synth(["--stack", "production", "--facts", file, "--out", path.join(dir, "plan")], copy);
        assert.equal(run.status, 2);
        assert.equal(
            run.stderr,
            'Pulumi.production.yaml: kms-keys:keys.opensearch.users[1]: "role/SearchAdministrator" is not allowed; expected an IAM role or user that exists in account 111111111111 (the look-up of arn:aws:iam::111111111111:role/SearchAdministrator failed: NoSuchEntity: The role with name SearchAdministrator cannot be found.); AWS refuses a key policy that names a principal that does not exist\n',
        );
        assert.deepEqual(fs.readdirSync(dir), ["facts.yaml"]);
    });

    const bad: [string, (doc: FactsDoc) => void, (file: string) => string][] = [
        [
            "a key a facts file does not have",
            (doc) => (doc.roles = []),
            (file) =>
                `${file}: roles: [] is not allowed; expected no such key; a facts file has exactly accountId, partition, callerArn, principals, vpcs, subnets and endpointServices`,
        ],
        [
            "a missing key",
            (doc) => delete doc.endpointServices,
            (file) => `${file}: endpointServices: undefined is not allowed; expected a value: the key is required`,
        ],
        [
            "a VPC without its DNS attributes",
            (doc) => delete doc.vpcs[0].enableDnsHostnames,
            (file) =>
                `${file}: vpcs[0].enableDnsHostnames: undefined is not allowed; expected a value: the key is required`,
        ],
    ];
    for (const [what, change, message] of bad) {
        it(`refuses a facts file with ${what} (exit 2, one line, nothing written)`, async () => {
            const file = factsWith(change);
            const run = await synth(["--stack", "production", "--facts", file, "--out", path.join(dir, "plan")], copy);
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.equal(run.stderr, `${message(file)}\n`);
            assert.deepEqual(fs.readdirSync(dir), ["facts.yaml"]);
        });
    }

    describe("without --facts: the stack's kept facts/<stack>.yaml", () => {
        const kept = () => path.join(copy, "facts", "production.yaml");
        afterEach(() => fs.rmSync(path.join(copy, "facts"), { recursive: true, force: true }));

        function keep(text: string): void {
            fs.mkdirSync(path.join(copy, "facts"), { recursive: true });
            fs.writeFileSync(kept(), text);
        }

        it("answers the look-ups from it and says so in the plan; without one, from the stack file", async () => {
            const without = await synth(["--stack", "production", "--out", path.join(dir, "derived")], copy);
            assert.equal(without.status, 0, without.stderr);
            assert.match(
                without.stdout,
                /^== production ==\n\nPlanned against the account described by Pulumi\.production\.yaml \(no facts\/production\.yaml\)\.\n/,
            );
            keep(fs.readFileSync(factsFile, "utf8"));
            const run = await synth(["--stack", "production", "--out", path.join(dir, "plan")], copy);
            assert.equal(run.stderr, "");
            assert.equal(run.status, 0);
            assert.match(
                run.stdout,
                /^== production ==\n\nPlanned against the account described by facts\/production\.yaml\.\n/,
            );
            const exported = JSON.parse(
                fs.readFileSync(path.join(dir, "plan", "production.deployment.json"), "utf8"),
            ) as {
                deployment: { resources: { type: string; inputs: Record<string, unknown> }[] };
            };
            const endpoint = exported.deployment.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
            assert.equal(endpoint?.inputs.vpcId, "vpc-0a1b2c3d4e5f60718");
        });

        it("is judged like any facts file: a bad one is one line naming it, and --facts overrides it", async () => {
            keep(fs.readFileSync(factsFile, "utf8").replace('accountId: "111111111111"', "accountId: 111111111111"));
            const run = await synth(["--stack", "production", "--out", path.join(dir, "plan")], copy);
            assert.equal(run.status, 2);
            assert.equal(
                run.stderr,
                "facts/production.yaml: accountId: 111111111111 is not allowed; expected a 12-digit AWS account id in quotes\n",
            );
            assert.equal(fs.existsSync(path.join(dir, "plan")), false);
            const given = await synth(
                ["--stack", "production", "--facts", factsFile, "--out", path.join(dir, "p")],
                copy,
            );
            assert.equal(given.status, 0, given.stderr);
            assert.match(
                given.stdout,
                new RegExp(
                    `Planned against the account described by ${factsFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\.`,
                ),
            );
        });
    });

    it("refuses a facts file that does not exist, and --facts with --all", async () => {
        const missing = path.join(dir, "nope.yaml");
        const run = await synth(["--stack", "production", "--facts", missing], copy);
        assert.equal(run.status, 2);
        assert.equal(
            run.stderr,
            `${missing}: no such file; expected a YAML or JSON description of the account (see README, "Plan against a description of the account")\n`,
        );
        const all = await synth(["--all", "--facts", factsFile], copy);
        assert.equal(all.status, 2);
        assert.equal(
            all.stderr,
            "synth: --facts describes one account; use it with --stack, not --all; usage: npm run synth -- [--stack <name> [--facts FILE] | --all] [--out DIR] [--json]\n",
        );
    });
});
