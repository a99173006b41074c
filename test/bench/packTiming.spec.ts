import * as assert from "assert/strict";
import * as path from "path";
import {
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import * as aws from "@pulumi/aws";
import { InProcessPack, canServeInProcess } from "../../bench/inProcessPack";
import { PolicyClock, timedPolicies } from "../../bench/packTiming";
import { measureInProcess } from "../../bench/policyBench";
import { loadPolicyConfig } from "../../tools/lib/policyConfig";
import { packInfoOf } from "../../tools/lib/inProcessPack";
import { toAnalyzedResource } from "../../tools/lib/plan";
import { runProgram } from "../../tools/lib/programRunner";
import { fixtureProjectDir } from "../helpers/stackConfig";
import { allPolicies, packName } from "../../policies/all";

/** A clock that moves by the given steps, in nanoseconds, one per reading. */
function steppingClock(...steps: number[]): () => bigint {
    let now = 0n;
    let i = 0;
    return () => {
        now += BigInt(steps[i++ % steps.length]);
        return now;
    };
}

const noReport = () => undefined;

describe("bench: the time of the pack's own code", () => {
    it("adds each call's time to its policy, passing results and exceptions through", () => {
        const clock = new PolicyClock(steppingClock(1_000_000, 2_000_000));
        const ok = clock.wrap<ResourceValidation>("a", () => "result" as unknown as void);
        const failing = clock.wrap<ResourceValidation>("b", () => {
            throw new Error("boom");
        });
        assert.equal(ok({} as never, noReport) as unknown, "result");
        assert.throws(() => failing({} as never, noReport), { message: "boom" });
        // Each call reads the clock twice: +1 ms at the start, +2 ms at the end.
        assert.deepEqual(clock.byPolicyMs(), { a: 2, b: 2 });
        assert.equal(clock.totalMs(), 4);
        clock.reset();
        assert.deepEqual(clock.byPolicyMs(), {});
        assert.equal(clock.totalMs(), 0);
    });

    it("times a validation that returns a promise until it settles", async () => {
        const clock = new PolicyClock(steppingClock(1_000_000, 5_000_000));
        const later = clock.wrap<ResourceValidation>("async", () => Promise.resolve());
        const pending = later({} as never, noReport) as unknown as Promise<void>;
        assert.deepEqual(clock.byPolicyMs(), {});
        await pending;
        assert.deepEqual(clock.byPolicyMs(), { async: 5 });
    });

    it("keeps the type tag the SDK skips policies by, and leaves the originals alone", () => {
        const byType = validateResourceOfType(aws.kms.Key, () => undefined);
        const resource: ResourceValidationPolicy = {
            name: "typed",
            description: "d",
            validateResource: byType,
        };
        const several: ResourceValidationPolicy = {
            name: "several",
            description: "d",
            validateResource: [byType, () => undefined],
        };
        const stack: StackValidationPolicy = { name: "stack", description: "d", validateStack: () => undefined };
        const [t, s, st] = timedPolicies([resource, several, stack], new PolicyClock()) as [
            ResourceValidationPolicy,
            ResourceValidationPolicy,
            StackValidationPolicy,
        ];
        const tag = (f: unknown) => (f as { __pulumiType?: string }).__pulumiType;
        assert.equal(tag(t.validateResource), "aws:kms/key:Key");
        assert.notEqual(t.validateResource, byType);
        assert.deepEqual((s.validateResource as unknown[]).map(tag), ["aws:kms/key:Key", undefined]);
        assert.notEqual(st.validateStack, stack.validateStack);
        assert.equal(resource.validateResource, byType);
    });

    it("times the real pack under the SDK's handlers, which still skip policies by type", async function () {
        this.timeout(60_000);
        const packDir = path.resolve(__dirname, "..", "..", "policies");
        assert.equal(canServeInProcess(packDir), true);
        assert.equal(canServeInProcess(path.resolve(__dirname)), false);
        // What the CLI's GetAnalyzerInfo would answer for the pack: its policies and their config schemas.
        const info = packInfoOf({ name: packName, version: "0.1.0", policies: allPolicies });
        const config = loadPolicyConfig(undefined, info);
        // The development fixture has two keys and no endpoint: the endpoint policies are typed, so the SDK never
        // calls them.
        const run = await runProgram("development", { projectDir: fixtureProjectDir });
        assert.equal(run.resources.filter((r) => r.type.startsWith("aws:ec2")).length, 0);
        const resources = run.resources.map(toAnalyzedResource);
        const pack = InProcessPack.load(packDir);
        const [timings] = await measureInProcess(pack, config, [{ label: "two keys", keys: 2, resources }], 0, 1);
        const called = Object.keys(timings.byPolicyMs).sort();
        const typedToEndpoints = [
            "kms-vpc-endpoint-multi-az",
            "kms-vpc-endpoint-policy",
            "kms-vpc-endpoint-private-dns",
        ];
        assert.deepEqual(
            called,
            allPolicies
                .map((p) => p.name)
                .filter((n) => !typedToEndpoints.includes(n))
                .sort(),
        );
        const [sample] = timings.samples;
        assert.ok(sample.packMs > 0 && sample.packMs < sample.handlersMs, JSON.stringify(sample));
    });
});
