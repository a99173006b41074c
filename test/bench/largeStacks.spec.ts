import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generatedConfig, largeStack, runKey } from "../../bench/largeStacks";
import { RegisteredResource } from "../../tools/lib/programRunner";
import { fixtureProjectDir, stackConfigDoc } from "../helpers/stackConfig";

const ofType = (resources: RegisteredResource[], type: string) => resources.filter((r) => r.type === type);

describe("bench: large stacks", () => {
    const base = stackConfigDoc("production");
    const keysOf = (config: Record<string, unknown>) => config["kms-keys:keys"] as Record<string, { alias: string }>;

    it("repeats the stack file's keys round-robin, each named and aliased by its index, all else the file's", () => {
        const config = generatedConfig(base, 5, "Pulumi.production.yaml");
        const templates = keysOf(base);
        const keys = keysOf(config);
        assert.deepEqual(Object.keys(keys), [
            "aurora-postgres-0",
            "opensearch-1",
            "aurora-postgres-2",
            "opensearch-3",
            "aurora-postgres-4",
        ]);
        assert.deepEqual(keys["opensearch-3"], {
            ...templates["opensearch"],
            alias: `${templates["opensearch"].alias}-3`,
        });
        assert.deepEqual(config["kms-keys:monitoring"], { enabled: false });
        const rest = (c: Record<string, unknown>) => ({
            ...c,
            "kms-keys:keys": undefined,
            "kms-keys:monitoring": undefined,
        });
        assert.deepEqual(rest(config), rest(base));
    });

    it("refuses a stack file without keys, naming it", () => {
        assert.throws(() => generatedConfig({ "aws:region": "us-east-1" }, 3, "Pulumi.empty.yaml"), {
            message: "Pulumi.empty.yaml: kms-keys:keys names no key to repeat",
        });
    });

    it("keys a kept run by the configuration", () => {
        const three = generatedConfig(base, 3, "f");
        assert.equal(runKey(fixtureProjectDir, three), runKey(fixtureProjectDir, generatedConfig(base, 3, "f")));
        assert.notEqual(runKey(fixtureProjectDir, three), runKey(fixtureProjectDir, generatedConfig(base, 4, "f")));
    });

    it("runs index.ts on the generated configuration, keeps the registrations and reuses them", async () => {
        const keep = fs.mkdtempSync(path.join(os.tmpdir(), "kms-keys-large-"));
        try {
            const first = await largeStack(fixtureProjectDir, "production", 6, keep);
            assert.equal(first.reused, false);
            assert.equal(ofType(first.resources, "kms-keys:kms:KmsKey").length, 6);
            assert.equal(ofType(first.resources, "aws:kms/key:Key").length, 6);
            assert.deepEqual(
                ofType(first.resources, "aws:kms/alias:Alias")
                    .map((r) => r.inputs["name"])
                    .sort(),
                [0, 1, 2, 3, 4, 5]
                    .map((i) => `${keysOf(base)[i % 2 === 0 ? "aurora-postgres" : "opensearch"].alias}-${i}`)
                    .sort(),
            );
            assert.equal(ofType(first.resources, "aws:ec2/vpcEndpoint:VpcEndpoint").length, 1);
            const again = await largeStack(fixtureProjectDir, "production", 6, keep);
            assert.equal(again.reused, true);
            assert.equal(again.file, first.file);
            assert.deepEqual(again.resources, JSON.parse(JSON.stringify(first.resources)));
        } finally {
            fs.rmSync(keep, { recursive: true, force: true });
        }
    });
});
