// The audit and the policy host against the project's own pack (policies/), served exactly as the CLI serves it.
import * as assert from "assert";
import * as path from "path";

import { allPolicies, packName } from "../../policies/all";
import { AuditIO, knownStacks, main, runAudit } from "../../tools/audit";
import { loadPolicyConfig } from "../../tools/lib/policyConfig";
import { DEFAULT_PACK_DIR, PolicyHost } from "../../tools/lib/policyHost";
import { sharedPackHost } from "../helpers/packHost";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "audit");
const INSECURE_KEY = "urn:pulumi:production::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::aurora-key";

interface Entry {
    policy: string;
    enforcementLevel: string;
    urn: string | null;
    message: string;
}

/** Runs the audit command's entry point in this process on the shared pack: exit code, stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io: AuditIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
    const code = await main(args, io, { host: await sharedPackHost() });
    return { code, stdout, stderr };
}

describe("audit with the kms-guardrails pack", function () {
    this.timeout(180_000);
    let host: PolicyHost;

    /** Runs the audit in-process on the shared host; returns the exit code and the --json report. */
    async function auditJson(...args: string[]): Promise<{ code: number; violations: Entry[]; undecided: Entry[] }> {
        let stdout = "";
        const io: AuditIO = { stdout: (t) => (stdout += t), stderr: (t) => assert.fail(`unexpected stderr: ${t}`) };
        const code = await runAudit([...args, "--json"], io, { host });
        return { code, ...(JSON.parse(stdout) as { violations: Entry[]; undecided: Entry[] }) };
    }

    before(async function () {
        host = await sharedPackHost();
    });

    it("serves the pack the policies module describes", async function () {
        const pack = await host.pack();
        assert.strictEqual(pack.name, packName);
        assert.deepStrictEqual(
            pack.policies.map((p) => p.name),
            allPolicies.map((p) => p.name),
        );
    });

    it("accepts every stack's policy config as shipped", async function () {
        const pack = await host.pack();
        const stacks = knownStacks(DEFAULT_PACK_DIR);
        assert.deepStrictEqual(stacks, ["development", "production", "staging"]);
        for (const stack of stacks) {
            const config = loadPolicyConfig(path.join(DEFAULT_PACK_DIR, "config", `${stack}.json`), pack);
            assert.deepStrictEqual(Object.keys(config).sort(), pack.policies.map((p) => p.name).sort());
        }
    });

    it("fails an export whose key does not rotate and lets anyone in, naming both policies (exit 1)", async function () {
        const run = await cli([
            path.join(FIXTURES, "kms-keys-insecure.stack-export.json"),
            "--stack",
            "production",
            "--json",
        ]);
        assert.strictEqual(run.stderr, "");
        assert.strictEqual(run.code, 1);
        const { violations } = JSON.parse(run.stdout) as { violations: Entry[] };
        const onKey = violations
            .filter((v) => v.urn === INSECURE_KEY && v.enforcementLevel === "mandatory")
            .map((v) => v.policy);
        assert.ok(onKey.includes("kms-key-rotation-enabled"), onKey.join(", "));
        assert.ok(onKey.includes("kms-key-policy-no-public-principal"), onKey.join(", "));
        const rotation = violations.find((v) => v.policy === "kms-key-rotation-enabled");
        assert.match(rotation?.message ?? "", /\nAutomatic key rotation is off \(enableKeyRotation is false\)\./);
    });

    it("passes a stack of another program with no KMS resources, for every stack's config", async function () {
        for (const stack of knownStacks(DEFAULT_PACK_DIR)) {
            const report = await auditJson(path.join(FIXTURES, "pulumi-docs-stack-export.json"), "--stack", stack);
            assert.deepStrictEqual(report, { code: 0, violations: [], undecided: [] }, stack);
        }
    });

    it("never passes a key policy it cannot read: every check of an encrypted policy is undecided", async function () {
        const report = await auditJson(path.join(FIXTURES, "mixed-secrets.stack-export.json"), "--stack", "production");
        const keyPolicyChecks = allPolicies
            .map((p) => p.name)
            .filter((n) => n.startsWith("kms-key-policy-") || n === "kms-key-explicit-policy");
        const undecided = report.undecided.map((u) => u.policy);
        for (const name of keyPolicyChecks) {
            assert.ok(undecided.includes(name), `${name} is not undecided`);
            assert.ok(!report.violations.some((v) => v.policy === name), `${name} reported a violation`);
        }
        for (const u of report.undecided) {
            assert.match(u.message, /: the value at \.policy is a secret that this file does not reveal$/);
        }
    });

    it("names the stacks that have a config when --stack is wrong (exit 2)", async function () {
        const run = await cli([path.join(FIXTURES, "mixed.preview.json"), "--stack", "prod"]);
        assert.strictEqual(run.code, 2);
        assert.strictEqual(run.stdout, "");
        assert.strictEqual(
            run.stderr,
            'audit: --stack: "prod" is not a stack with a policy config; valid stacks: development, production, staging ' +
                "(from policies/config/<stack>.json)\n",
        );
    });
});
