/**
 * The end-to-end harness: a temporary copy of the project, a local file backend, the real Pulumi CLI (tools/lib/engine)
 * and the stand-in AWS provider (awsStandIn/) on the PATH, an "AWS account" described from the stack's own file, and
 * the journal of what the engine asked AWS to do.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig, StackSettings } from "../../config/stackConfig";
import { Engine, resolveEngine } from "../../tools/lib/engine";
import { factsFromStack, keptFacts } from "../../tools/lib/facts";
import { readProjectName, readStackConfig } from "../../tools/lib/programRunner";
import { copyProject } from "../helpers/projectCopy";
import { AccountDescription, AwsState, JournalEntry, loadState } from "./awsStandIn/aws";

const repoDir = path.resolve(__dirname, "..", "..");
const standInBin = path.join(__dirname, "awsStandIn", "plugin");

/** What one CLI call printed and how it ended. */
export interface CliResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** A stack file's settings, validated and defaulted as the program reads them. */
export function stackSettings(projectDir: string, stack: string): StackSettings {
    return parseStackConfig(readStackConfig(projectDir, readProjectName(projectDir), stack), stack);
}

/** Makes a copy of the project run one of the programs in test/e2e/programs/ instead of index.ts. */
export function replaceProgram(projectDir: string, program: string): void {
    fs.writeFileSync(
        path.join(projectDir, "index.ts"),
        `import program from "./test/e2e/programs/${program}";\nexport = program;\n`,
    );
}

let cachedEngine: Engine | undefined;

/** The engine, found or built once per process (progress on stderr). */
export function sharedEngine(): Engine {
    cachedEngine ??= resolveEngine((line) => process.stderr.write(`engine: ${line}\n`));
    return cachedEngine;
}

/**
 * The AWS account a stack is deployed into, the same one its offline plan uses: the project's kept
 * facts/<stack>.yaml, else what the stack file implies (its account id, the deploying role in an assumed-role
 * session, the principals its keys name, the VPC and subnets its endpoint names); with the stack's region.
 */
export function accountFromStack(projectDir: string, stack: string): AccountDescription {
    const config = readStackConfig(projectDir, readProjectName(projectDir), stack);
    const facts = keptFacts(projectDir, stack)?.facts ?? factsFromStack(config);
    return { ...facts, region: parseStackConfig(config, stack).region };
}

/** One stack in its own temporary copy of the project, with its own backend, "AWS" and journal. */
export class Workspace {
    readonly dir: string;
    readonly projectDir: string;
    private readonly env: NodeJS.ProcessEnv;
    private readonly journalFile: string;
    private readonly stateFile: string;

    constructor(
        readonly engine: Engine,
        readonly stack: string,
        options: { account?: AccountDescription; edit?: (projectDir: string) => void } = {},
    ) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `kms-keys-e2e-${stack}-`));
        this.projectDir = path.join(this.dir, "project");
        copyProject(this.projectDir);
        // The account is described before any edit, so that a test can break the stack file it deploys.
        const account = options.account ?? accountFromStack(this.projectDir, stack);
        options.edit?.(this.projectDir);
        const accountFile = path.join(this.dir, "account.json");
        fs.writeFileSync(accountFile, JSON.stringify(account, null, 2));
        this.journalFile = path.join(this.dir, "journal.jsonl");
        this.stateFile = path.join(this.dir, "aws-state.json");
        const home = path.join(this.dir, "pulumi-home");
        const backend = path.join(this.dir, "backend");
        fs.mkdirSync(home);
        fs.mkdirSync(backend);
        this.env = {
            ...process.env,
            PATH: [standInBin, ...engine.pathDirs, process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: home,
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: "end-to-end",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            // CI type-checks once with tsc; the CLI then skips ts-node's type-check of the program (about half of each
            // preview, `npm run bench:engine`). The pack's runner type-checks it whatever this says.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            NO_COLOR: "1",
            KMS_STANDIN_ACCOUNT: accountFile,
            KMS_STANDIN_JOURNAL: this.journalFile,
            KMS_STANDIN_STATE: this.stateFile,
        };
    }

    /** Runs the program's CLI (or the pack's, for `--policy-pack` runs) in the workspace. */
    pulumi(args: string[], options: { cli?: "program" | "policy"; env?: NodeJS.ProcessEnv } = {}): CliResult {
        const cli = options.cli === "policy" ? this.engine.policyCli : this.engine.programCli;
        const result = spawnSync(cli, [...args, "--non-interactive"], {
            cwd: this.projectDir,
            env: { ...this.env, ...options.env },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    }

    /** `pulumi preview --policy-pack policies` with the stack's policy config, as CI runs it, under the pack's CLI. */
    previewWithPack(env: NodeJS.ProcessEnv = {}): CliResult {
        return this.pulumi(
            [
                "preview",
                "--stack",
                this.stack,
                "--policy-pack",
                "policies",
                "--policy-pack-config",
                `policies/config/${this.stack}.json`,
            ],
            { cli: "policy", env },
        );
    }

    /** `pulumi up --yes` of the stack. */
    up(): CliResult {
        return this.pulumi(["up", "--yes", "--stack", this.stack]);
    }

    /** `pulumi up --yes` of the stack, failing the test unless it succeeds. */
    deploy(): void {
        const up = this.up();
        assert.strictEqual(up.status, 0, formatRun(up));
    }

    /** Creates the stack in the workspace's backend (the CLI keeps the stack file's config). */
    init(): CliResult {
        return this.pulumi(["stack", "init", this.stack, "--secrets-provider", "passphrase"]);
    }

    /** What the engine asked the stand-in provider, in order. */
    journal(): JournalEntry[] {
        if (!fs.existsSync(this.journalFile)) {
            return [];
        }
        return fs
            .readFileSync(this.journalFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as JournalEntry);
    }

    /** What "AWS" holds now. */
    aws(): AwsState {
        return loadState(this.stateFile);
    }

    /** Removes the workspace. */
    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A CLI result as text for an assertion message. */
export function formatRun(result: CliResult): string {
    return `exit ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Runs `body` in a new workspace of the stack whose stack is created, and removes the workspace afterwards. */
export function inWorkspace<T>(
    stack: string,
    options: ConstructorParameters<typeof Workspace>[2],
    body: (workspace: Workspace) => T,
): T {
    const workspace = new Workspace(sharedEngine(), stack, options);
    try {
        const init = workspace.init();
        assert.strictEqual(init.status, 0, formatRun(init));
        return body(workspace);
    } finally {
        workspace.dispose();
    }
}

/** A mandatory violation: the policy and the name of the resource it is about. */
export type Finding = string;

/** The mandatory violations the CLI lists under the pack: `- [mandatory]  <policy>  (<type>: <name>)`. */
export function cliMandatoryFindings(stdout: string): Finding[] {
    const findings = [...stdout.matchAll(/- \[mandatory\]\s+(\S+)\s+\((?:[^:]+:){0,3}\s*([^)]+)\)/g)].map(
        ([, policy, resource]) => `${policy} ${resource.trim().split(" ").pop()}`,
    );
    return [...new Set(findings)].sort();
}

/** Runs the offline audit on a file with the stack's policy config, as `npm run audit -- FILE --stack <stack> --json`. */
export function auditMandatoryFindings(file: string, stack: string): Finding[] {
    const result = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "tools/audit.ts", file, "--stack", stack, "--json"],
        {
            cwd: repoDir,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_PROJECT: path.join(repoDir, "tsconfig.json") },
        },
    );
    assert.ok(result.status === 0 || result.status === 1, `audit failed: ${result.status}\n${result.stderr}`);
    const verdict = JSON.parse(result.stdout) as {
        violations: { policy: string; enforcementLevel: string; urn?: string }[];
    };
    return [
        ...new Set(
            verdict.violations
                .filter((v) => v.enforcementLevel === "mandatory")
                .map((v) => `${v.policy} ${(v.urn ?? "").split("::").pop()}`),
        ),
    ].sort();
}
