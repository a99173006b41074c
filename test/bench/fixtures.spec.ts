import * as assert from "assert/strict";
import {
    defaultAdministrators,
    seededRandom,
    shapesByType,
    syntheticStack,
    syntheticStackCounts,
} from "../../bench/fixtures";
import { PolicyDocument } from "../../components/accessPolicies";
import { RegisteredResource, runProgram, unknownValue } from "../../tools/lib/programRunner";
import { keyPoliciesOf } from "../../tools/lib/plan";

const ofType = (resources: RegisteredResource[], type: string) => resources.filter((r) => r.type === type);
const policyOf = (key: RegisteredResource) => JSON.parse(key.inputs.policy as string) as PolicyDocument;

describe("bench: synthetic stacks", () => {
    it("registers every resource type exactly as index.ts does for the production stack", async () => {
        const real = await runProgram("production");
        assert.equal(real.error, undefined);
        assert.deepEqual(
            shapesByType(syntheticStack({ keys: 150 })),
            shapesByType(real.resources),
            "the program's registrations changed shape: update bench/fixtures.ts so that the benchmark judges what the program registers",
        );
    });

    it("holds a root stack, a component, key and alias per key and four resources per endpoint", () => {
        const resources = syntheticStack({ keys: 250 });
        assert.deepEqual(syntheticStackCounts(250), { keys: 250, endpoints: 3, resources: 1 + 750 + 12 });
        assert.equal(resources.length, 763);
        assert.equal(ofType(resources, "pulumi:pulumi:Stack").length, 1);
        assert.equal(ofType(resources, "aws:kms/key:Key").length, 250);
        assert.equal(ofType(resources, "aws:kms/alias:Alias").length, 250);
        assert.equal(ofType(resources, "aws:ec2/vpcEndpoint:VpcEndpoint").length, 3);
        assert.equal(new Set(resources.map((r) => r.urn)).size, resources.length, "URNs are unique");
        assert.equal(syntheticStack({ keys: 250, keysPerEndpoint: 50 }).length, 1 + 750 + 20);
    });

    it("links each alias to its own key through propertyDependencies, with targetKeyId unknown as at preview", () => {
        const resources = syntheticStack({ keys: 20 });
        for (const alias of ofType(resources, "aws:kms/alias:Alias")) {
            const keyUrn = alias.urn.replace("aws:kms/alias:Alias", "aws:kms/key:Key").replace(/-alias$/, "-key");
            assert.deepEqual(alias.propertyDependencies.targetKeyId, [keyUrn]);
            assert.deepEqual(alias.dependencies, [keyUrn]);
            assert.equal(alias.inputs.targetKeyId, unknownValue);
        }
        // The project's own reading of a plan finds an alias for every key.
        const policies = keyPoliciesOf(resources);
        assert.equal(policies.length, 20);
        assert.ok(
            policies.every((p) => /^alias\/(aurora|opensearch)-key-\d\d$/.test(p.alias)),
            "every key has its alias",
        );
    });

    it("is the same stack for the same options, and another one for another seed", () => {
        const a = JSON.stringify(syntheticStack({ keys: 40, seed: 7 }));
        assert.equal(JSON.stringify(syntheticStack({ keys: 40, seed: 7 })), a);
        assert.notEqual(JSON.stringify(syntheticStack({ keys: 40, seed: 8 })), a);
        assert.deepEqual(Array.from({ length: 3 }, seededRandom(42)), Array.from({ length: 3 }, seededRandom(42)));
    });

    it("varies the principals of the key policies and keeps administrators and users apart", () => {
        const keys = ofType(syntheticStack({ keys: 200 }), "aws:kms/key:Key");
        const documents = new Set(keys.map((k) => k.inputs.policy));
        assert.ok(documents.size > 100, `expected varied key policies, got ${documents.size} distinct of 200`);
        const adminArns = new Set(defaultAdministrators.map((a) => `arn:aws:iam::111111111111:${a}`));
        for (const key of keys) {
            const statements = policyOf(key).Statement;
            const admins = statements.find((s) => s.Sid === "KeyAdministration")!.Principal.AWS;
            const users = statements.find((s) => s.Sid === "KeyUseThroughIntegratedService")!.Principal.AWS;
            assert.ok(admins.length >= 1 && admins.length <= 3);
            assert.ok(users.length >= 1 && users.length <= 4);
            assert.ok(
                admins.every((a) => adminArns.has(a)),
                `administrators come from the pool: ${admins.join(", ")}`,
            );
            assert.ok(users.every((u) => !admins.includes(u)));
        }
        assert.ok(keys.some((k) => (policyOf(k).Statement[0].Action as string[]).includes("kms:ScheduleKeyDeletion")));
    });

    it("draws administrators only from the pool it is given, and cross-account users only when asked", () => {
        const only = "arn:aws:iam::111111111111:role/KmsKeyAdministrator";
        const keys = ofType(syntheticStack({ keys: 30, administrators: [only] }), "aws:kms/key:Key");
        for (const key of keys) {
            assert.deepEqual(policyOf(key).Statement.find((s) => s.Sid === "KeyAdministration")!.Principal.AWS, [only]);
            assert.ok(!policyOf(key).Statement.some((s) => s.Sid.startsWith("CrossAccount")));
        }
        const crossed = ofType(
            syntheticStack({ keys: 10, crossAccountIds: ["222222222222"], crossAccountShare: 1 }),
            "aws:kms/key:Key",
        );
        for (const key of crossed) {
            const sids = policyOf(key).Statement.map((s) => s.Sid);
            assert.ok(sids.includes("CrossAccountKeyUseThroughIntegratedService222222222222"), sids.join(", "));
        }
    });

    it("refuses sizes it cannot build, naming the value", () => {
        assert.throws(() => syntheticStack({ keys: 0 }), {
            message: "syntheticStack: keys must be a positive integer, got 0",
        });
        assert.throws(() => syntheticStack({ keys: 10, keysPerEndpoint: 0 }), {
            message: "syntheticStack: keysPerEndpoint must be a positive integer, got 0",
        });
        assert.throws(() => syntheticStack({ keys: 10, administrators: [] }), {
            message: "syntheticStack: administrators must name at least one principal",
        });
    });

    it("tells when two registrations of one type differ in shape", () => {
        const resources = syntheticStack({ keys: 2 });
        const [, , firstKey] = resources;
        assert.equal(firstKey.type, "aws:kms/key:Key");
        firstKey.protect = false;
        assert.throws(() => shapesByType(resources), /^Error: shapesByType: two aws:kms\/key:Key registrations differ/);
    });
});
