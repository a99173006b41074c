import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { formatHuman, formatJson, main } from "../../tools/audit";
import { PackInfo } from "../../tools/lib/policyConfig";
import { PolicyHost, PolicyVerdict } from "../../tools/lib/policyHost";
import { StateFile } from "../../tools/lib/stateReaders";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = "test/fixtures/audit";
const PACK = `${FIXTURES}/pack`;
const PACK_LABEL = "'audit-fixture-pack@v0.0.1'";

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Running fixture packs, shared by the in-process runs that name them. */
const hosts = new Map<string, Promise<PolicyHost>>();

after(async () => {
    for (const host of hosts.values()) {
        await (await host).close();
    }
    hosts.clear();
});

/**
 * Runs the audit command: in-process through its `main` (with the fixture pack kept running between runs), or, with
 * `child` or `npm`, as a user would, from the repository root, for the exit code and the output of a real process.
 */
async function audit(args: string[], { npm = false, child = false } = {}): Promise<Run> {
    if (!npm && !child) {
        let stdout = "";
        let stderr = "";
        const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
        const pack = args.includes("--policy-pack") ? args[args.indexOf("--policy-pack") + 1] : undefined;
        let host: PolicyHost | undefined;
        if (pack === PACK) {
            if (!hosts.has(PACK)) {
                hosts.set(PACK, PolicyHost.start(path.join(ROOT, PACK)));
            }
            host = await hosts.get(PACK);
        }
        const code = await main(args, io, { host });
        return { code, stdout, stderr };
    }
    const [command, argv] = npm
        ? ["npm", ["run", "--silent", "audit", "--", ...args]]
        : [process.execPath, ["-r", "ts-node/register/transpile-only", "tools/audit.ts", ...args]];
    return new Promise((resolve, reject) => {
        const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: "0" } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** Audits a fixture with the fixture pack and returns the parsed --json report. */
async function auditJson(file: string, ...extra: string[]): Promise<{ code: number | null; report: Report }> {
    const run = await audit([`${FIXTURES}/${file}`, "--policy-pack", PACK, "--json", ...extra]);
    assert.strictEqual(run.stderr, "");
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

interface Entry {
    policy: string;
    enforcementLevel: string;
    urn: string | null;
    message: string;
}

interface Report {
    violations: Entry[];
    undecided: Entry[];
}

/** Asserts exit code 2, exactly one line on stderr, and nothing on stdout. */
function invalid(run: Run, line: string | RegExp): void {
    assert.strictEqual(run.code, 2, `exit ${run.code}; stderr: ${run.stderr}`);
    assert.strictEqual(run.stdout, "");
    assert.ok(
        run.stderr.endsWith("\n") && run.stderr.split("\n").length === 2,
        `not one line: ${JSON.stringify(run.stderr)}`,
    );
    if (typeof line === "string") {
        assert.strictEqual(run.stderr, `${line}\n`);
    } else {
        assert.match(run.stderr, line);
    }
}

describe("npm run audit", function () {
    this.timeout(120_000);

    it("passes the stack export from Pulumi's documentation, through npm", async function () {
        const run = await audit([`${FIXTURES}/pulumi-docs-stack-export.json`, "--policy-pack", PACK], { npm: true });
        assert.strictEqual(run.stderr, "");
        assert.strictEqual(run.code, 0);
        assert.strictEqual(
            run.stdout,
            `Audited ${FIXTURES}/pulumi-docs-stack-export.json (stack export of demo-aws-ts-webserver/dev-user1, 3 resources) ` +
                "with audit-fixture-pack@0.0.1 and the pack's default config.\n\n" +
                "No policy violations.\n\n" +
                "PASS: 0 mandatory violations, 0 advisory violations, 0 undecided checks.\n",
        );
    });

    it("fails an export whose key does not rotate and allows Principal *, naming both policies", async function () {
        const { code, report } = await auditJson("kms-keys-insecure.stack-export.json");
        assert.strictEqual(code, 1);
        const key = "urn:pulumi:production::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::aurora-key";
        assert.deepStrictEqual(report, {
            violations: [
                {
                    policy: "fixture-key-policy-public",
                    enforcementLevel: "mandatory",
                    urn: key,
                    message:
                        'KMS key policies grant nothing to Principal "*".\nstatement AllowEveryone allows Principal "*"',
                },
                {
                    policy: "fixture-key-rotation",
                    enforcementLevel: "mandatory",
                    urn: key,
                    message: "Symmetric KMS keys rotate their key material.\nenableKeyRotation is not true",
                },
            ],
            undecided: [],
        });
    });

    it("prints a table and a summary line for people", async function () {
        const run = await audit([`${FIXTURES}/kms-keys-insecure.stack-export.json`, "--policy-pack", PACK]);
        assert.strictEqual(run.code, 1);
        assert.strictEqual(
            run.stdout,
            [
                `Audited ${FIXTURES}/kms-keys-insecure.stack-export.json (stack export of kms-keys/production, 5 resources) ` +
                    "with audit-fixture-pack@0.0.1 and the pack's default config.",
                "",
                "POLICY                     LEVEL      RESOURCE                     MESSAGE",
                'fixture-key-policy-public  mandatory  aws:kms/key:Key::aurora-key  KMS key policies grant nothing to Principal "*". — statement AllowEveryone allows Principal "*"',
                "fixture-key-rotation       mandatory  aws:kms/key:Key::aurora-key  Symmetric KMS keys rotate their key material. — enableKeyRotation is not true",
                "",
                "FAIL: 2 mandatory violations, 0 advisory violations, 0 undecided checks.",
                "",
            ].join("\n"),
        );
    });

    it("keeps a check that needs an encrypted secret undecided, across foreign providers and components", async function () {
        const { code, report } = await auditJson("mixed-secrets.stack-export.json");
        assert.strictEqual(code, 0);
        const key = "urn:pulumi:dev::payments::acme:storage:Archive$aws:kms/key:Key::ledger-key";
        assert.deepStrictEqual(report.undecided, [
            {
                policy: "fixture-key-policy-public",
                enforcementLevel: "advisory",
                urn: key,
                message: `can't run policy 'fixture-key-policy-public' from policy pack ${PACK_LABEL}: the value at .policy is a secret that this file does not reveal`,
            },
        ]);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
            [
                ["fixture-deletion-window", "advisory", key],
                ["fixture-protected-keys", "advisory", key],
            ],
        );
    });

    it("reads a --show-secrets export and judges what the secrets hold", async function () {
        const { code, report } = await auditJson("show-secrets.stack-export.json");
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.policy, v.message.split("\n")[1]]),
            [
                ["fixture-deletion-window", "deletionWindowInDays is 7, the minimum is 30"],
                ["fixture-key-policy-public", 'statement Anyone allows Principal "*"'],
            ],
        );
    });

    it("audits preview JSON with masked secrets, unknowns, components, providers and foreign resources", async function () {
        const { code, report } = await auditJson("mixed.preview.json");
        assert.strictEqual(code, 1);
        const urn = (type: string, name: string): string =>
            `urn:pulumi:staging::kms-keys::kms-keys:kms:KmsKey$${type}::${name}`;
        assert.deepStrictEqual(report, {
            violations: [
                {
                    policy: "fixture-deletion-window",
                    enforcementLevel: "advisory",
                    urn: urn("aws:kms/key:Key", "opensearch-key"),
                    message: "KMS keys wait long enough before deletion.\ndeletionWindowInDays is 7, the minimum is 30",
                },
                {
                    policy: "fixture-key-rotation",
                    enforcementLevel: "mandatory",
                    urn: urn("aws:kms/key:Key", "aurora-key"),
                    message: "Symmetric KMS keys rotate their key material.\nenableKeyRotation is not true",
                },
            ],
            undecided: [
                {
                    // A stack policy that reads a new alias's targetKeyId: unknown until the key exists.
                    policy: "fixture-key-has-alias",
                    enforcementLevel: "advisory",
                    urn: "urn:pulumi:staging::kms-keys::pulumi:pulumi:Stack::kms-keys-staging",
                    message: `can't run policy 'fixture-key-has-alias' from policy pack ${PACK_LABEL} during preview: string value at .targetKeyId can't be known during preview`,
                },
                {
                    policy: "fixture-key-policy-public",
                    enforcementLevel: "advisory",
                    urn: urn("aws:kms/key:Key", "audit-key"),
                    message: `can't run policy 'fixture-key-policy-public' from policy pack ${PACK_LABEL}: the value at .policy is a secret that this file does not reveal`,
                },
                {
                    policy: "fixture-key-policy-public",
                    enforcementLevel: "advisory",
                    urn: urn("aws:kms/key:Key", "aurora-key"),
                    message: `can't run policy 'fixture-key-policy-public' from policy pack ${PACK_LABEL} during preview: string value at .policy can't be known during preview`,
                },
            ],
        });
    });

    it("takes a stack's policy config with --stack", async function () {
        const { code, report } = await auditJson("mixed.preview.json", "--stack", "lenient");
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.policy, v.enforcementLevel]),
            [["fixture-key-rotation", "advisory"]],
        );
    });

    describe("with a policy config file", function () {
        let dir: string;

        before(function () {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-config-"));
        });

        after(function () {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("applies it", async function () {
            const file = path.join(dir, "strict.json");
            // "all" sets every policy's level, the disabled inventories' too, before each policy's own entry.
            const config = {
                all: "advisory",
                "fixture-inventory": "disabled",
                "fixture-stack-inventory": "disabled",
                "fixture-deletion-window": { enforcementLevel: "mandatory", minDeletionWindowInDays: 7 },
            };
            fs.writeFileSync(file, JSON.stringify(config));
            const { code, report } = await auditJson("mixed.preview.json", "--policy-config", file);
            assert.strictEqual(code, 0);
            assert.deepStrictEqual(
                report.violations.map((v) => [v.policy, v.enforcementLevel]),
                [["fixture-key-rotation", "advisory"]],
            );
        });

        it("rejects an invalid value with one line naming the file, the key, the value and the rule", async function () {
            const file = path.join(dir, "bad.json");
            fs.writeFileSync(file, JSON.stringify({ "fixture-deletion-window": { minDeletionWindowInDays: 3 } }));
            const run = await audit([`${FIXTURES}/mixed.preview.json`, "--policy-pack", PACK, "--policy-config", file]);
            invalid(run, `${file}: fixture-deletion-window.minDeletionWindowInDays: 3 is not allowed; must be >= 7`);
        });

        it("rejects an unknown policy name", async function () {
            const file = path.join(dir, "typo.json");
            fs.writeFileSync(file, JSON.stringify({ "fixture-key-rotaton": "advisory" }));
            const run = await audit([`${FIXTURES}/mixed.preview.json`, "--policy-pack", PACK, "--policy-config", file]);
            invalid(
                run,
                new RegExp(
                    `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: fixture-key-rotaton: unknown policy; pack "audit-fixture-pack" has: `,
                ),
            );
        });
    });

    describe("invalid input: exit 2, one line on stderr, nothing else", function () {
        it("a file that does not exist", async function () {
            invalid(
                await audit([`${FIXTURES}/nope.json`, "--policy-pack", PACK]),
                `${FIXTURES}/nope.json: cannot read (no such file); expected a "pulumi stack export" document (version 3) or "pulumi preview --json" output`,
            );
        });

        it("a file that is not JSON", async function () {
            invalid(
                await audit([`${FIXTURES}/README.md`, "--policy-pack", PACK]),
                /^test\/fixtures\/audit\/README\.md: not valid JSON \(.*\); expected a "pulumi stack export"/,
            );
        });

        it("JSON of another shape", async function () {
            invalid(
                await audit([`${PACK}/package.json`, "--policy-pack", PACK]),
                `${PACK}/package.json: not a "pulumi stack export" document (version 3) or "pulumi preview --json" output; got an object of another shape`,
            );
        });

        it("an unknown stack, naming the stacks there are", async function () {
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, "--policy-pack", PACK, "--stack", "prod"]),
                `audit: --stack: "prod" is not a stack with a policy config; valid stacks: lenient (from ${PACK}/config/<stack>.json)`,
            );
        });

        it("both --stack and --policy-config", async function () {
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, "--stack", "lenient", "--policy-config", "x.json"]),
                /^audit: --stack and --policy-config both choose the policy config; give one of them; usage: /,
            );
        });

        it("an unknown option", async function () {
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, "--jsn"]),
                /^audit: Unknown option '--jsn'; usage: npm run audit -- FILE/,
            );
        });

        it("no file, or two", async function () {
            invalid(
                await audit(["--json"]),
                /^audit: expected exactly one FILE \(a stack export or preview JSON\), got none; usage: /,
            );
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, `${FIXTURES}/show-secrets.stack-export.json`]),
                /^audit: expected exactly one FILE \(a stack export or preview JSON\), got "test\/fixtures\/audit\/mixed\.preview\.json", "test\/fixtures\/audit\/show-secrets\.stack-export\.json"; /,
            );
        });

        it("a --policy-pack that is not a policy pack", async function () {
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, "--policy-pack", FIXTURES]),
                `audit: --policy-pack: "${FIXTURES}" is not a policy pack (it has no package.json)`,
            );
        });

        it("an option without its value", async function () {
            invalid(
                await audit([`${FIXTURES}/mixed.preview.json`, "--stack"]),
                /^audit: Option '--stack <value>' argument missing; usage: /,
            );
        });
    });

    it("exits 3, apart from any verdict, when the policy pack itself fails", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-broken-pack-"));
        try {
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "broken", version: "1.0.0" }));
            fs.writeFileSync(path.join(dir, "index.ts"), 'throw new Error("policies/keys.ts: cannot read schema");\n');
            const run = await audit([`${FIXTURES}/mixed.preview.json`, "--policy-pack", dir], { child: true });
            assert.strictEqual(run.code, 3);
            assert.strictEqual(run.stdout, "");
            assert.match(run.stderr, new RegExp(`^audit: policy pack at ${dir} failed to start \\(exit 1\\):\n`));
            assert.match(run.stderr, /Error: policies\/keys\.ts: cannot read schema/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("prints its usage with --help", async function () {
        const run = await audit(["--help"]);
        assert.strictEqual(run.code, 0);
        assert.ok(
            run.stdout.startsWith(
                "usage: npm run audit -- FILE [--stack <name> | --policy-config FILE] [--json] [--policy-pack DIR]\n",
            ),
        );
        assert.match(
            run.stdout,
            /\nExit codes: 0 no mandatory violation, 1 mandatory violations, 2 invalid input, 3 the policy pack failed\.\n/,
        );
    });
});

describe("audit reports", function () {
    const state: StateFile = { file: "stack.json", format: "preview", stack: "dev", project: "shop", resources: [] };
    const pack: PackInfo = { name: "kms-guardrails", version: "1.2.0", policies: [], initialConfig: {} };
    const verdict: PolicyVerdict = {
        violations: [
            {
                policy: "kms-key-deletion-window",
                enforcementLevel: "advisory",
                urn: "urn:pulumi:dev::shop::aws:kms/key:Key::orders-key",
                message: "Keys wait.\nThe window is 7 days.",
            },
        ],
        undecided: [
            {
                policy: "kms-key-has-alias",
                enforcementLevel: "advisory",
                message:
                    "can't run policy 'kms-key-has-alias' from policy pack 'kms-guardrails@v1.2.0' during preview: x",
            },
        ],
    };

    it("never calls a run with undecided checks a pass", function () {
        assert.strictEqual(
            formatHuman(state, pack, "policies/config/dev.json", verdict),
            [
                "Audited stack.json (preview of shop/dev, 0 resources) with kms-guardrails@1.2.0 and policies/config/dev.json.",
                "",
                "POLICY                   LEVEL     RESOURCE                     MESSAGE",
                "kms-key-deletion-window  advisory  aws:kms/key:Key::orders-key  Keys wait. — The window is 7 days.",
                "",
                "Undecided (a value the policy needs is unknown in a preview, or a secret the file does not reveal):",
                "POLICY             LEVEL     RESOURCE  MESSAGE",
                "kms-key-has-alias  advisory  (stack)   can't run policy 'kms-key-has-alias' from policy pack 'kms-guardrails@v1.2.0' during preview: x",
                "",
                "UNDECIDED: 0 mandatory violations, 1 advisory violation, 1 undecided check.",
                "",
            ].join("\n"),
        );
    });

    it("gives every JSON entry the same keys, with a null URN where a stack policy names no resource", function () {
        assert.deepStrictEqual(JSON.parse(formatJson(verdict)).undecided, [
            {
                policy: "kms-key-has-alias",
                enforcementLevel: "advisory",
                urn: null,
                message:
                    "can't run policy 'kms-key-has-alias' from policy pack 'kms-guardrails@v1.2.0' during preview: x",
            },
        ]);
    });
});
