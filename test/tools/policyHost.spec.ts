import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import {
    AnalyzedResource,
    PolicyHost,
    PolicyPackError,
    PolicyVerdict,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
} from "../../tools/lib/policyHost";
import { PolicyPackConfig } from "../../tools/lib/policyConfig";

const PACK_DIR = path.join(__dirname, "..", "fixtures", "audit", "pack");
const PACK = "'audit-fixture-pack@v0.0.1'";

const STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev";
const PROVIDER = "urn:pulumi:dev::shop::pulumi:providers:aws::default_7_12_0";
const PROVIDER_REF = `${PROVIDER}::0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6`;
const COMPONENT = "urn:pulumi:dev::shop::kms-keys:kms:KmsKey::orders";

function keyUrn(name: string): string {
    return `urn:pulumi:dev::shop::kms-keys:kms:KmsKey$aws:kms/key:Key::${name}`;
}

function aliasUrn(name: string): string {
    return `urn:pulumi:dev::shop::kms-keys:kms:KmsKey$aws:kms/alias:Alias::${name}`;
}

function res(urn: string, type: string, extra: Partial<AnalyzedResource> = {}): AnalyzedResource {
    return {
        urn,
        type,
        name: urn.split("::").slice(3).join("::"),
        custom: !type.startsWith("pulumi:pulumi:") && !type.startsWith("kms-keys:"),
        inputs: {},
        outputs: {},
        protect: false,
        dependencies: [],
        propertyDependencies: {},
        ...extra,
    };
}

function policyDocument(...statements: object[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const ADMIN_ONLY = policyDocument({
    Sid: "Admin",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:role/admin" },
    Action: "kms:*",
    Resource: "*",
});
const PUBLIC = policyDocument({
    Sid: "Everyone",
    Effect: "Allow",
    Principal: "*",
    Action: "kms:Decrypt",
    Resource: "*",
});

/** A compliant key and its alias, in the component, with the default provider. */
function keyAndAlias(name: string, keyInputs: Record<string, unknown> = {}): AnalyzedResource[] {
    const keyId = `${name}-id`;
    const inputs = { enableKeyRotation: true, policy: ADMIN_ONLY, deletionWindowInDays: 30, ...keyInputs };
    return [
        res(keyUrn(`${name}-key`), "aws:kms/key:Key", {
            inputs,
            outputs: { ...inputs, keyId, arn: `arn:aws:kms:us-east-1:111122223333:key/${keyId}`, id: keyId },
            parent: COMPONENT,
            protect: true,
            provider: PROVIDER_REF,
        }),
        res(aliasUrn(`${name}-alias`), "aws:kms/alias:Alias", {
            inputs: { name: `alias/${name}`, targetKeyId: keyId },
            outputs: { name: `alias/${name}`, targetKeyId: keyId, id: `alias/${name}` },
            parent: COMPONENT,
            provider: PROVIDER_REF,
            dependencies: [keyUrn(`${name}-key`)],
            propertyDependencies: { name: [], targetKeyId: [keyUrn(`${name}-key`)] },
        }),
    ];
}

const BASE: AnalyzedResource[] = [
    res(STACK, "pulumi:pulumi:Stack", { custom: false }),
    res(PROVIDER, "pulumi:providers:aws", { inputs: { region: "us-east-1", version: "7.12.0" }, custom: true }),
    res(COMPONENT, "kms-keys:kms:KmsKey", { parent: STACK, custom: false }),
];

const INVENTORY: PolicyPackConfig = {
    "fixture-inventory": { enforcementLevel: "advisory", properties: {} },
    "fixture-stack-inventory": { enforcementLevel: "advisory", properties: {} },
};

/** The detail line of each violation of one policy (the pack prefixes every message with the description). */
function details(verdict: PolicyVerdict, policy: string): string[] {
    return verdict.violations.filter((v) => v.policy === policy).map((v) => v.message.split("\n")[1]);
}

describe("PolicyHost (against a fixture pack)", function () {
    let host: PolicyHost;

    before(async function () {
        host = await PolicyHost.start(PACK_DIR);
    });

    after(async function () {
        await host?.close();
    });

    it("describes the pack as GetAnalyzerInfo reports it", async function () {
        const pack = await host.pack();
        assert.strictEqual(pack.name, "audit-fixture-pack");
        assert.strictEqual(pack.version, "0.0.1");
        assert.deepStrictEqual(
            (await host.info()).map((p) => [p.name, p.enforcementLevel, p.kind]),
            [
                ["fixture-key-rotation", "mandatory", "resource"],
                ["fixture-key-policy-public", "mandatory", "resource"],
                ["fixture-deletion-window", "advisory", "resource"],
                ["fixture-protected-keys", "advisory", "resource"],
                ["fixture-key-has-alias", "mandatory", "stack"],
                ["fixture-inventory", "disabled", "resource"],
                ["fixture-stack-inventory", "disabled", "stack"],
            ],
        );
        const window = (await host.info()).find((p) => p.name === "fixture-deletion-window");
        assert.deepStrictEqual(window?.configSchema, {
            properties: { minDeletionWindowInDays: { type: "integer", minimum: 7, maximum: 30, default: 30 } },
            required: [],
        });
    });

    it("passes a compliant key and alias", async function () {
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders")], {});
        assert.deepStrictEqual(verdict, { violations: [], undecided: [] });
    });

    it("runs resource policies on inputs and files each violation under its resource", async function () {
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders", { enableKeyRotation: false })], {});
        assert.deepStrictEqual(verdict.violations, [
            {
                policy: "fixture-key-rotation",
                enforcementLevel: "mandatory",
                urn: keyUrn("orders-key"),
                message: "Symmetric KMS keys rotate their key material.\nenableKeyRotation is not true",
            },
        ]);
    });

    it("sorts violations by policy, then URN, then message", async function () {
        const resources = [
            ...BASE,
            ...keyAndAlias("zeta", { enableKeyRotation: false, policy: PUBLIC }),
            ...keyAndAlias("alpha", { enableKeyRotation: false }),
        ];
        const verdict = await host.analyze(resources, {});
        assert.deepStrictEqual(
            verdict.violations.map((v) => [v.policy, v.urn]),
            [
                ["fixture-key-policy-public", keyUrn("zeta-key")],
                ["fixture-key-rotation", keyUrn("alpha-key")],
                ["fixture-key-rotation", keyUrn("zeta-key")],
            ],
        );
    });

    it("runs stack policies on outputs and keeps the URN the policy names", async function () {
        const [key] = keyAndAlias("lonely");
        const verdict = await host.analyze([...BASE, key], {});
        assert.deepStrictEqual(verdict.violations, [
            {
                policy: "fixture-key-has-alias",
                enforcementLevel: "mandatory",
                urn: keyUrn("lonely-key"),
                message: "Every KMS key in the stack has an alias.\nkey lonely-key has no alias",
            },
        ]);
    });

    it("sends every registered resource to Analyze, providers and the root stack included, but not reads", async function () {
        const vpc = res("urn:pulumi:dev::shop::aws:ec2/vpc:Vpc::shared", "aws:ec2/vpc:Vpc", {
            external: true,
            outputs: { id: "vpc-1" },
        });
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders"), vpc], INVENTORY);
        assert.deepStrictEqual(
            details(verdict, "fixture-inventory")
                .map((d) => d.split(" ")[0])
                .sort(),
            [
                "aws:kms/alias:Alias",
                "aws:kms/key:Key",
                "kms-keys:kms:KmsKey",
                "pulumi:providers:aws",
                "pulumi:pulumi:Stack",
            ],
        );
        // A resource read with .get() is still part of the stack that AnalyzeStack sees.
        assert.ok(
            details(verdict, "fixture-stack-inventory").includes(
                "aws:ec2/vpc:Vpc shared props=[id] parent= deps=[] propDeps=[]",
            ),
        );
    });

    it("passes resource options and the provider to Analyze", async function () {
        const [key] = keyAndAlias("orders");
        key.aliases = ["urn:pulumi:dev::shop::aws:kms/key:Key::orders-key"];
        const verdict = await host.analyze([...BASE, key], INVENTORY);
        assert.ok(
            details(verdict, "fixture-inventory").includes(
                "aws:kms/key:Key orders-key props=[deletionWindowInDays,enableKeyRotation,policy] protect=true " +
                    `parent=${COMPONENT} aliases=[urn:pulumi:dev::shop::aws:kms/key:Key::orders-key] ` +
                    "provider=pulumi:providers:aws/default_7_12_0",
            ),
        );
    });

    it("marshals properties as the engine does for analyzers", async function () {
        const key = res(keyUrn("raw-key"), "aws:kms/key:Key", {
            inputs: {
                // Provider bookkeeping is never sent (SkipInternalKeys), at any depth.
                __defaults: ["isEnabled"],
                tags: { team: "payments", __meta: "x" },
                enableKeyRotation: true,
                description: undefined,
                // A resource reference becomes the referenced resource's ID.
                customKeyStoreId: {
                    [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e",
                    urn: "urn:pulumi:dev::shop::aws:kms/customKeyStore:CustomKeyStore::hsm",
                    id: "cks-1",
                },
            },
        });
        const verdict = await host.analyze([...BASE, key], INVENTORY);
        assert.ok(
            details(verdict, "fixture-inventory").some((d) =>
                d.startsWith("aws:kms/key:Key raw-key props=[customKeyStoreId,enableKeyRotation,tags] "),
            ),
            JSON.stringify(details(verdict, "fixture-inventory")),
        );
    });

    it("sends AnalyzeStack outputs, parents, dependencies and non-empty property dependencies", async function () {
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders")], INVENTORY);
        assert.ok(
            details(verdict, "fixture-stack-inventory").includes(
                "aws:kms/alias:Alias orders-alias props=[id,name,targetKeyId] parent=orders deps=[orders-key] propDeps=[targetKeyId:orders-key]",
            ),
            JSON.stringify(details(verdict, "fixture-stack-inventory")),
        );
    });

    it("leaves a policy undecided, never passed, when it needs an encrypted secret", async function () {
        const encrypted = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:AAAA:v1:BBBB" };
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders", { policy: encrypted })], {});
        assert.deepStrictEqual(verdict, {
            violations: [],
            undecided: [
                {
                    policy: "fixture-key-policy-public",
                    enforcementLevel: "advisory",
                    urn: keyUrn("orders-key"),
                    message: `can't run policy 'fixture-key-policy-public' from policy pack ${PACK}: the value at .policy is a secret that this file does not reveal`,
                },
            ],
        });
    });

    it("reads a secret exported with --show-secrets (plaintext) and one sent with its value", async function () {
        for (const secret of [
            { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(PUBLIC) },
            { [SIG_KEY]: SECRET_SIG, value: PUBLIC },
        ]) {
            const verdict = await host.analyze([...BASE, ...keyAndAlias("orders", { policy: secret })], {});
            assert.deepStrictEqual(details(verdict, "fixture-key-policy-public"), [
                'statement Everyone allows Principal "*"',
            ]);
            assert.deepStrictEqual(verdict.undecided, []);
        }
    });

    it("leaves a policy undecided when a preview cannot know the value it reads", async function () {
        const verdict = await host.analyze([...BASE, ...keyAndAlias("orders", { policy: UNKNOWN })], {});
        assert.deepStrictEqual(verdict.undecided, [
            {
                policy: "fixture-key-policy-public",
                enforcementLevel: "advisory",
                urn: keyUrn("orders-key"),
                message: `can't run policy 'fixture-key-policy-public' from policy pack ${PACK} during preview: string value at .policy can't be known during preview`,
            },
        ]);
        assert.deepStrictEqual(verdict.violations, []);
    });

    it("applies the config: levels, disabled policies and properties", async function () {
        const resources = [...BASE, ...keyAndAlias("orders", { enableKeyRotation: false, deletionWindowInDays: 10 })];
        const verdict = await host.analyze(resources, {
            "fixture-key-rotation": { enforcementLevel: "disabled", properties: {} },
            "fixture-deletion-window": { enforcementLevel: "mandatory", properties: { minDeletionWindowInDays: 14 } },
        });
        assert.deepStrictEqual(verdict.violations, [
            {
                policy: "fixture-deletion-window",
                enforcementLevel: "mandatory",
                urn: keyUrn("orders-key"),
                message: "KMS keys wait long enough before deletion.\ndeletionWindowInDays is 10, the minimum is 14",
            },
        ]);
    });

    it("configures the pack afresh on every run, so one host serves many configs", async function () {
        const resources = [...BASE, ...keyAndAlias("orders", { enableKeyRotation: false })];
        const off = await host.analyze(resources, {
            "fixture-key-rotation": { enforcementLevel: "disabled", properties: {} },
        });
        const defaults = await host.analyze(resources, {});
        assert.deepStrictEqual(details(off, "fixture-key-rotation"), []);
        assert.deepStrictEqual(details(defaults, "fixture-key-rotation"), ["enableKeyRotation is not true"]);
    });

    it("reports a policy running at remediate that still fires as mandatory, as the engine does", async function () {
        const resources = [...BASE, ...keyAndAlias("orders", { deletionWindowInDays: 7 })];
        const verdict = await host.analyze(resources, {
            "fixture-deletion-window": { enforcementLevel: "remediate", properties: { minDeletionWindowInDays: 30 } },
        });
        assert.deepStrictEqual(
            verdict.violations.map((v) => [v.policy, v.enforcementLevel]),
            [["fixture-deletion-window", "mandatory"]],
        );
    });

    it("analyzes hundreds of resources with concurrent calls, reporting in resource order", async function () {
        this.timeout(120_000);
        const resources = [...BASE];
        for (let i = 0; i < 300; i++) {
            resources.push(...keyAndAlias(`k${String(i).padStart(4, "0")}`, { enableKeyRotation: i % 3 !== 0 }));
        }
        const verdict = await host.analyze(resources, {});
        assert.strictEqual(details(verdict, "fixture-key-rotation").length, 100);
        assert.strictEqual(verdict.violations[0].urn, keyUrn("k0000-key"));
        assert.strictEqual(verdict.violations[99].urn, keyUrn("k0297-key"));
    });
});

describe("PolicyHost lifecycle", function () {
    it("stops the pack process on close, and refuses work afterwards", async function () {
        const host = await PolicyHost.start(PACK_DIR);
        const pid = host.pid;
        assert.ok(pid !== undefined);
        await host.close();
        assert.strictEqual(host.pid, undefined);
        assert.throws(() => process.kill(pid, 0), /ESRCH/);
        await assert.rejects(
            host.analyze([], {}),
            (e: Error) => e instanceof PolicyPackError && /is closed/.test(e.message),
        );
        await host.close();
    });

    it("raises the pack's stderr when it fails to start", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-pack-"));
        try {
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "broken", version: "1.0.0" }));
            fs.writeFileSync(
                path.join(dir, "index.ts"),
                'console.error("policy config is missing a region");\nprocess.exit(3);\n',
            );
            await assert.rejects(PolicyHost.start(dir), (e: Error) => {
                assert.ok(e instanceof PolicyPackError);
                assert.match(e.message, /failed to start \(exit 3\):\npolicy config is missing a region/);
                return true;
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a folder that is not a policy pack", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "not-a-pack-"));
        try {
            await assert.rejects(
                PolicyHost.start(dir),
                new PolicyPackError(`no policy pack at ${dir}: it has no package.json`),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
