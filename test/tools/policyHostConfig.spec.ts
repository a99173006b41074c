import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { UsageError } from "../../tools/lib/errors";
import {
    PackInfo,
    PolicyPackConfig,
    loadPolicyConfig,
    readPolicyConfigFile,
    resolvePolicyConfig,
} from "../../tools/lib/policyConfig";

const SOURCE = "policies/config/staging.json";

/** A pack described as GetAnalyzerInfo describes one; no process is needed to resolve config. */
const PACK: PackInfo = {
    name: "kms-guardrails",
    version: "1.0.0",
    initialConfig: {},
    policies: [
        { name: "kms-key-rotation", description: "Keys rotate.", enforcementLevel: "mandatory", kind: "resource" },
        {
            name: "kms-key-deletion-window",
            description: "Keys wait before deletion.",
            enforcementLevel: "advisory",
            kind: "resource",
            configSchema: {
                properties: { minDeletionWindowInDays: { type: "integer", minimum: 7, maximum: 30, default: 30 } },
                required: [],
            },
        },
        {
            name: "kms-endpoint-policy",
            description: "The endpoint policy names the keys.",
            enforcementLevel: "mandatory",
            kind: "stack",
            configSchema: {
                properties: {
                    mode: { type: "string", enum: ["strict", "audit"] },
                    allowedAccounts: { type: "array", items: { type: "string", pattern: "^[0-9]{12}$" }, default: [] },
                },
                required: ["mode"],
            },
        },
    ],
};

/** Valid config for the policy with a required property, so other tests can vary one thing at a time. */
const MODE = { "kms-endpoint-policy": { mode: "strict" } };

function resolve(raw: unknown, pack: PackInfo = PACK): PolicyPackConfig {
    return resolvePolicyConfig(raw, pack, SOURCE);
}

function rejects(raw: unknown, message: string, pack: PackInfo = PACK): void {
    assert.throws(
        () => resolve(raw, pack),
        (e: Error) => {
            assert.ok(e instanceof UsageError, `expected a UsageError, got ${e}`);
            assert.strictEqual(e.message, message);
            assert.strictEqual(e.exitCode, 2);
            assert.ok(!e.message.includes("\n"));
            return true;
        },
    );
}

describe("policy config (as the CLI reads --policy-pack-config)", function () {
    it("starts from each policy's level and its schema defaults", function () {
        assert.deepStrictEqual(resolve(MODE), {
            "kms-key-rotation": { enforcementLevel: "mandatory", properties: {} },
            "kms-key-deletion-window": { enforcementLevel: "advisory", properties: { minDeletionWindowInDays: 30 } },
            "kms-endpoint-policy": {
                enforcementLevel: "mandatory",
                properties: { mode: "strict", allowedAccounts: [] },
            },
        });
    });

    it("takes a level as a string or as enforcementLevel, and merges properties over the defaults", function () {
        const config = resolve({
            ...MODE,
            "kms-key-rotation": "advisory",
            "kms-key-deletion-window": { enforcementLevel: "mandatory", minDeletionWindowInDays: 14 },
        });
        assert.deepStrictEqual(config["kms-key-rotation"], { enforcementLevel: "advisory", properties: {} });
        assert.deepStrictEqual(config["kms-key-deletion-window"], {
            enforcementLevel: "mandatory",
            properties: { minDeletionWindowInDays: 14 },
        });
    });

    it('applies "all" first and each policy\'s own entry after it', function () {
        const config = resolve({
            ...MODE,
            all: "advisory",
            "kms-endpoint-policy": { mode: "audit", enforcementLevel: "disabled" },
        });
        assert.deepStrictEqual(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.enforcementLevel])), {
            "kms-key-rotation": "advisory",
            "kms-key-deletion-window": "advisory",
            "kms-endpoint-policy": "disabled",
        });
    });

    it("applies the pack's initial config before the file", function () {
        const pack: PackInfo = {
            ...PACK,
            initialConfig: {
                "kms-key-deletion-window": {
                    enforcementLevel: "mandatory",
                    properties: { minDeletionWindowInDays: 21 },
                },
            },
        };
        assert.deepStrictEqual(resolve(MODE, pack)["kms-key-deletion-window"], {
            enforcementLevel: "mandatory",
            properties: { minDeletionWindowInDays: 21 },
        });
        assert.deepStrictEqual(
            resolve({ ...MODE, "kms-key-deletion-window": { minDeletionWindowInDays: 9 } }, pack)[
                "kms-key-deletion-window"
            ],
            {
                enforcementLevel: "mandatory",
                properties: { minDeletionWindowInDays: 9 },
            },
        );
    });

    it("rejects an unknown policy name, naming the policies there are", function () {
        rejects(
            { ...MODE, "kms-key-rotaton": "mandatory" },
            `${SOURCE}: kms-key-rotaton: unknown policy; pack "kms-guardrails" has: kms-endpoint-policy, kms-key-deletion-window, kms-key-rotation (or "all")`,
        );
    });

    it("rejects a level that does not exist, in either form", function () {
        rejects(
            { ...MODE, "kms-key-rotation": "strict" },
            `${SOURCE}: kms-key-rotation: "strict" is not an enforcement level; allowed: advisory, mandatory, remediate, disabled`,
        );
        rejects(
            { ...MODE, "kms-key-rotation": { enforcementLevel: true } },
            `${SOURCE}: kms-key-rotation.enforcementLevel: true is not an enforcement level; allowed: advisory, mandatory, remediate, disabled`,
        );
    });

    it("rejects a value that is neither a level nor an object", function () {
        rejects(
            { ...MODE, "kms-key-rotation": 1 },
            `${SOURCE}: kms-key-rotation: 1 is not allowed; expected an enforcement level (advisory, mandatory, remediate, disabled) ` +
                "or an object with enforcementLevel and the policy's properties",
        );
    });

    it('rejects properties under "all"', function () {
        rejects(
            { ...MODE, all: { enforcementLevel: "advisory", minDeletionWindowInDays: 7 } },
            `${SOURCE}: all.minDeletionWindowInDays: "all" takes only enforcementLevel`,
        );
    });

    it("rejects a property the policy does not declare", function () {
        rejects(
            { ...MODE, "kms-key-deletion-window": { minDeletionWindowInDay: 7 } },
            `${SOURCE}: kms-key-deletion-window.minDeletionWindowInDay: unknown property; allowed: minDeletionWindowInDays`,
        );
        rejects(
            { ...MODE, "kms-key-rotation": { rotationPeriod: 90 } },
            `${SOURCE}: kms-key-rotation.rotationPeriod: unknown property; policy kms-key-rotation takes no properties`,
        );
    });

    it("validates properties against the policy's schema, naming the key path, the value and the rule", function () {
        rejects(
            { ...MODE, "kms-key-deletion-window": { minDeletionWindowInDays: 3 } },
            `${SOURCE}: kms-key-deletion-window.minDeletionWindowInDays: 3 is not allowed; must be >= 7`,
        );
        rejects(
            { ...MODE, "kms-key-deletion-window": { minDeletionWindowInDays: "14" } },
            `${SOURCE}: kms-key-deletion-window.minDeletionWindowInDays: "14" is not allowed; must be integer`,
        );
        rejects(
            { "kms-endpoint-policy": { mode: "loose" } },
            `${SOURCE}: kms-endpoint-policy.mode: "loose" is not allowed; must be one of "strict", "audit"`,
        );
        rejects(
            { "kms-endpoint-policy": { mode: "strict", allowedAccounts: ["111122223333", "12345"] } },
            `${SOURCE}: kms-endpoint-policy.allowedAccounts.1: "12345" is not allowed; must match pattern "^[0-9]{12}$"`,
        );
    });

    it("reports a required property that neither the file nor a default provides", function () {
        rejects({}, `${SOURCE}: kms-endpoint-policy: missing required property "mode"`);
    });

    it("rejects a document that is not an object keyed by policy name", function () {
        rejects(["kms-key-rotation"], `${SOURCE}: expected a JSON object keyed by policy name or "all", got an array`);
        rejects("mandatory", `${SOURCE}: expected a JSON object keyed by policy name or "all", got "mandatory"`);
    });
});

describe("policy config files", function () {
    let dir: string;

    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    });

    after(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads a file and resolves it against the pack", function () {
        const file = path.join(dir, "ok.json");
        fs.writeFileSync(file, JSON.stringify({ ...MODE, "kms-key-rotation": "advisory" }));
        assert.strictEqual(loadPolicyConfig(file, PACK)["kms-key-rotation"].enforcementLevel, "advisory");
    });

    it("treats an empty file as no config, as the CLI does", function () {
        const file = path.join(dir, "empty.json");
        fs.writeFileSync(file, "  \n");
        assert.strictEqual(readPolicyConfigFile(file), undefined);
    });

    it("names the file when it is missing or not JSON", function () {
        const missing = path.join(dir, "missing.json");
        assert.throws(
            () => readPolicyConfigFile(missing),
            new UsageError(`${missing}: cannot read policy config (no such file)`),
        );
        const broken = path.join(dir, "broken.json");
        fs.writeFileSync(broken, '{"kms-key-rotation": "advisory",}');
        assert.throws(
            () => readPolicyConfigFile(broken),
            (e: Error) => {
                assert.ok(e instanceof UsageError);
                assert.match(
                    e.message,
                    new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON \\(.+\\)$`),
                );
                return true;
            },
        );
    });

    it("uses the pack's defaults when there is no file", function () {
        const pack: PackInfo = { ...PACK, policies: PACK.policies.slice(0, 2) };
        assert.deepStrictEqual(loadPolicyConfig(undefined, pack)["kms-key-deletion-window"], {
            enforcementLevel: "advisory",
            properties: { minDeletionWindowInDays: 30 },
        });
    });
});
