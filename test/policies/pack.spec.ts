/**
 * The pack as a deliverable: its policy names (a public contract), its metadata, and that it is self-contained
 * and starts the way the Pulumi CLI starts it.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

import { allPolicies, packName } from "../../policies/all";
import * as endpoints from "../../policies/endpoints";
import * as iam from "../../policies/iam";
import * as keyPolicyActions from "../../policies/keyPolicyActions";
import * as keyPolicyAdministration from "../../policies/keyPolicyAdministration";
import * as keyPolicyPrincipals from "../../policies/keyPolicyPrincipals";
import * as keys from "../../policies/keys";
import * as monitoring from "../../policies/monitoring";

const PACK_DIR = path.resolve(__dirname, "..", "..", "policies");
const ROOT_DIR = path.resolve(PACK_DIR, "..");

const NAMES = [
    "kms-key-rotation-enabled",
    "kms-key-deletion-window",
    "kms-key-required-tags",
    "kms-key-protected",
    "kms-alias-naming",
    "kms-key-has-alias",
    "kms-key-explicit-policy",
    "kms-key-policy-no-public-principal",
    "kms-key-policy-no-not-elements",
    "kms-key-policy-no-full-access",
    "kms-key-policy-separation-of-duties",
    "kms-key-policy-service-scoped-use",
    "kms-key-policy-grants-for-aws-resources",
    "kms-key-policy-admin-rights",
    "kms-key-policy-trusted-accounts",
    "kms-key-no-lockout-bypass",
    "kms-key-policy-no-lockout",
    "kms-key-policy-recovery-path",
    "kms-vpc-endpoint-private-dns",
    "kms-vpc-endpoint-multi-az",
    "kms-vpc-endpoint-security-group",
    "kms-vpc-endpoint-policy",
    "iam-no-kms-decrypt-on-all-keys",
    "kms-key-deletion-alerts",
];

const STACK_POLICIES = [
    "kms-key-has-alias",
    "kms-key-explicit-policy",
    "kms-vpc-endpoint-security-group",
    "kms-key-deletion-alerts",
];

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

describe("the kms-guardrails pack", () => {
    it("has exactly the published policy names, in order", () => {
        assert.deepStrictEqual(
            allPolicies.map((p) => p.name),
            NAMES,
        );
    });

    it("describes every policy, with a kebab-case name, an enforcement level and the right kind", () => {
        for (const policy of allPolicies) {
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(policy.description.length > 40, policy.name);
            assert.ok(policy.enforcementLevel === "mandatory" || policy.enforcementLevel === "advisory", policy.name);
            const isStack = "validateStack" in policy;
            assert.strictEqual(isStack, STACK_POLICIES.includes(policy.name), policy.name);
        }
    });

    it("lists every policy its modules export", () => {
        const exported = [
            endpoints,
            iam,
            keyPolicyActions,
            keyPolicyAdministration,
            keyPolicyPrincipals,
            keys,
            monitoring,
        ]
            .flatMap((m) => Object.values(m))
            .filter(
                (v): v is { name: string } =>
                    typeof v === "object" &&
                    v !== null &&
                    "name" in v &&
                    ("validateResource" in v || "validateStack" in v),
            );
        assert.deepStrictEqual(exported.map((p) => p.name).sort(), [...NAMES].sort());
    });

    it("index.ts only constructs the pack from all.ts", () => {
        const code = fs
            .readFileSync(path.join(PACK_DIR, "index.ts"), "utf8")
            .split("\n")
            .filter((line) => line.trim() !== "" && !line.trim().startsWith("//"));
        assert.deepStrictEqual(code, [
            'import { PolicyPack } from "@pulumi/policy";',
            'import { allPolicies, packName } from "./all";',
            "new PolicyPack(packName, { policies: allPolicies });",
        ]);
    });

    it("is self-contained: it imports only its own modules and the packages its package.json lists", () => {
        const pkg = readJson(path.join(PACK_DIR, "package.json"));
        const dependencies = Object.keys(pkg["dependencies"] as Record<string, string>);
        const files = fs
            .readdirSync(PACK_DIR, { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts") && !f.startsWith("node_modules"));
        assert.ok(files.includes(path.join("lib", "policyDocument.ts")), "the shared machinery is in policies/lib/");
        for (const file of files) {
            const text = fs.readFileSync(path.join(PACK_DIR, file), "utf8");
            for (const match of text.matchAll(/(?:from\s+|require\()\s*"([^"]+)"/g)) {
                const specifier = match[1];
                if (specifier.startsWith(".")) {
                    const target = path.resolve(PACK_DIR, path.dirname(file), specifier);
                    assert.ok(
                        target.startsWith(PACK_DIR + path.sep) && !target.includes("node_modules"),
                        `${file} imports ${specifier}, outside policies/`,
                    );
                } else {
                    const name = specifier.startsWith("@")
                        ? specifier.split("/").slice(0, 2).join("/")
                        : specifier.split("/")[0];
                    assert.ok(
                        dependencies.includes(name),
                        `${file} imports ${specifier}, which policies/package.json does not list`,
                    );
                }
            }
        }
    });

    it("has a package.json and PulumiPolicy.yaml the CLI can run and publish", () => {
        const pkg = readJson(path.join(PACK_DIR, "package.json"));
        const root = readJson(path.join(ROOT_DIR, "package.json"));
        assert.strictEqual(pkg["name"], packName);
        assert.strictEqual(packName, "kms-guardrails");
        assert.strictEqual(pkg["version"], "0.1.0");
        const deps = pkg["dependencies"] as Record<string, string>;
        const rootDeps = root["dependencies"] as Record<string, string>;
        for (const name of ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/aws", "ip-num"]) {
            assert.strictEqual(deps[name], rootDeps[name], `${name} must match the root package.json`);
        }
        const yaml = YAML.parse(fs.readFileSync(path.join(PACK_DIR, "PulumiPolicy.yaml"), "utf8")) as Record<
            string,
            unknown
        >;
        assert.strictEqual(yaml["runtime"], "nodejs");
        assert.strictEqual(typeof yaml["description"], "string");
    });

    it("starts as the CLI starts it: in its folder, printing the port of its analyzer server", async function () {
        this.timeout(120_000);
        let child: ChildProcess | undefined;
        try {
            const port = await new Promise<number>((resolve, reject) => {
                child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "."], {
                    cwd: PACK_DIR,
                    env: { ...process.env, TS_NODE_PROJECT: path.join(PACK_DIR, "tsconfig.json") },
                    stdio: ["ignore", "pipe", "pipe"],
                });
                let stdout = "";
                let stderr = "";
                child.stdout?.on("data", (chunk: Buffer) => {
                    stdout += chunk.toString();
                    const line = stdout.split("\n").find((l) => /^\d+$/.test(l.trim()));
                    if (line !== undefined) {
                        resolve(Number(line));
                    }
                });
                child.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
                child.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${stderr}`)));
            });
            assert.ok(port > 0);
        } finally {
            if (child?.pid !== undefined && child.exitCode === null) {
                const exited = new Promise((resolve) => child?.once("exit", resolve));
                child.kill();
                await exited;
            }
        }
    });
});
