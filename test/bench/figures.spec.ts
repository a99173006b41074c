import * as assert from "assert/strict";
import { parseBenchArgs } from "../../bench/bench";
import { mochaSummary, synthCompleted, testSuiteCompleted } from "../../bench/commands";
import {
    median,
    overheadRatio,
    renderTable,
    resourcesPerSecond,
    resultLine,
    scaling,
    verdict,
} from "../../bench/figures";
import { syntheticStack } from "../../bench/fixtures";
import { stackRequests } from "../../bench/inProcessPack";
import { allDisabled, BenchStack, countByPolicy, onlyPolicy, processCpuMs, roundRobin } from "../../bench/policyBench";
import { categorizeProfile, CpuProfile } from "../../bench/programBench";
import { PolicyPackConfig } from "../../tools/lib/policyConfig";
import { toAnalyzedResource } from "../../tools/lib/plan";

describe("bench: figures", () => {
    it("takes the median of odd and even counts, and refuses none", () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.throws(() => median([]), { message: "median: no values" });
    });

    it("divides the program's median by the empty program's median", () => {
        assert.equal(overheadRatio([10, 12, 11, 50], [5, 4, 6, 5]), 11.5 / 5);
        assert.throws(() => overheadRatio([1], [0]), /not positive/);
    });

    it("counts resources per second and the growth from the small stack to the large one", () => {
        assert.equal(resourcesPerSecond(30_401, 1_520.05), 20_000);
        assert.equal(scaling([900, 1000, 1100], [90, 100, 200]), 10);
        assert.throws(() => resourcesPerSecond(10, 0), /not positive/);
    });

    it("prints the figures as one JSON line with fixed keys, rounding and nulls", () => {
        const line = resultLine({
            programOverheadRatio: 1.23456,
            policyResourcesPerSecond: 21_345.6,
            policyScaling10kOver1k: 10.0004,
            synthAllStacksSeconds: 12.345,
            testSuiteSeconds: null,
            policyResourcesPerSecondWithSdk: 4_567.5,
            policyResourcesPerSecondOverGrpc: 1_010.4,
        });
        assert.equal(
            line,
            '{"programOverheadRatio":1.235,"policyResourcesPerSecond":21346,"policyScaling10kOver1k":10,' +
                '"synthAllStacksSeconds":12.35,"testSuiteSeconds":null,"policyResourcesPerSecondWithSdk":4568,' +
                '"policyResourcesPerSecondOverGrpc":1010}',
        );
        assert.deepEqual(Object.keys(JSON.parse(line)), [
            "programOverheadRatio",
            "policyResourcesPerSecond",
            "policyScaling10kOver1k",
            "synthAllStacksSeconds",
            "testSuiteSeconds",
            "policyResourcesPerSecondWithSdk",
            "policyResourcesPerSecondOverGrpc",
        ]);
    });

    it("judges each figure against its target", () => {
        assert.equal(verdict("programOverheadRatio", 1.2), "meets <= 1.2");
        assert.equal(verdict("programOverheadRatio", 1.21), "MISSES <= 1.2");
        assert.equal(verdict("policyResourcesPerSecond", 20_000), "meets >= 20000");
        assert.equal(verdict("policyResourcesPerSecond", 19_999), "MISSES >= 20000");
        assert.equal(verdict("policyScaling10kOver1k", 12.5), "MISSES <= 12");
    });

    it("renders blocks under headings, aligned per block, with notes as they are", () => {
        const text = renderTable([
            ["Program"],
            ["", "median"],
            ["  index.ts", "12.0 ms"],
            ["  registers 29 resources"],
            ["  empty", "1.5 ms"],
            ["Pack"],
            ["  1,000 keys", "3 s", "x"],
        ]);
        assert.equal(
            text,
            [
                "Program",
                "             median",
                "  index.ts  12.0 ms",
                "  registers 29 resources",
                "  empty      1.5 ms",
                "",
                "Pack",
                "  1,000 keys  3 s  x",
            ].join("\n"),
        );
    });
});

describe("bench: commands and policy configs", () => {
    it("reads mocha's summary and tells complete runs from broken ones", () => {
        const tail = ["  212 passing (41s)", "  3 pending", "  2 failing", "", "  1) something"];
        assert.deepEqual(mochaSummary(tail), { passing: 212, failing: 2, pending: 3 });
        assert.equal(testSuiteCompleted({ seconds: 1, code: 2, signal: null, tail }), true);
        assert.equal(
            testSuiteCompleted({ seconds: 1, code: 1, signal: null, tail: ["TSError: Unable to compile"] }),
            false,
        );
        assert.equal(synthCompleted({ seconds: 1, code: 1, signal: null, tail: [] }), true);
        assert.equal(synthCompleted({ seconds: 1, code: 2, signal: null, tail: [] }), false);
        assert.equal(synthCompleted({ seconds: 1, code: null, signal: "SIGKILL", tail: [] }), false);
    });

    const config: PolicyPackConfig = {
        "kms-key-protected": { enforcementLevel: "mandatory", properties: { requireProtect: true } },
        "kms-key-has-alias": { enforcementLevel: "advisory", properties: {} },
    };

    it("disables every policy, or all but one, keeping their properties", () => {
        assert.deepEqual(allDisabled(config), {
            "kms-key-protected": { enforcementLevel: "disabled", properties: { requireProtect: true } },
            "kms-key-has-alias": { enforcementLevel: "disabled", properties: {} },
        });
        assert.deepEqual(onlyPolicy(config, "kms-key-has-alias"), {
            "kms-key-protected": { enforcementLevel: "disabled", properties: { requireProtect: true } },
            "kms-key-has-alias": { enforcementLevel: "advisory", properties: {} },
        });
    });

    it("goes round the stacks, warm-ups first, and keeps only the timed rounds per stack", async () => {
        const stacks: BenchStack[] = ["a", "b"].map((label) => ({ label, keys: 0, resources: [] }));
        const calls: string[] = [];
        const reported: string[] = [];
        const results = await roundRobin(
            stacks,
            1,
            2,
            async (stack) => {
                calls.push(stack.label);
                return `${stack.label}${calls.length}`;
            },
            (round, stack, result) => reported.push(`${round} ${stack.label} ${result}`),
        );
        assert.deepEqual(calls, ["a", "b", "a", "b", "a", "b"]);
        assert.deepEqual(results, [
            ["a3", "a5"],
            ["b4", "b6"],
        ]);
        assert.deepEqual(reported, [
            "warm-up 1/1 a a1",
            "warm-up 1/1 b b2",
            "rep 1/2 a a3",
            "rep 1/2 b b4",
            "rep 2/2 a a5",
            "rep 2/2 b b6",
        ]);
    });

    it("counts diagnostics per policy, most first", () => {
        assert.deepEqual(countByPolicy([{ policy: "b" }, { policy: "a" }, { policy: "b" }]), ["b x2", "a x1"]);
    });

    it("reads a process's CPU time where /proc exists, and gives null for no process", () => {
        assert.equal(processCpuMs(undefined), null);
        const own = processCpuMs(process.pid);
        assert.ok(own === null || own >= 0);
    });
});

describe("bench: CPU profile categories", () => {
    it("files stack formatting under the SDK function that asked for it, and the rest by its own frame", () => {
        const frame = (functionName: string, url: string) => ({ functionName, url });
        const profile: CpuProfile = {
            nodes: [
                { id: 1, callFrame: frame("(root)", ""), children: [2, 5, 7, 8] },
                {
                    id: 2,
                    callFrame: frame(
                        "debuggablePromise",
                        "file:///p/node_modules/@pulumi/pulumi/runtime/debuggable.js",
                    ),
                    children: [3],
                },
                {
                    id: 3,
                    callFrame: frame(
                        "prepareStackTrace",
                        "file:///p/node_modules/@cspotcode/source-map-support/source-map-support.js",
                    ),
                    children: [4],
                },
                { id: 4, callFrame: frame("resolve", "node:path") },
                {
                    id: 5,
                    callFrame: frame("callsites", "file:///p/node_modules/@pulumi/pulumi/resource.js"),
                    children: [6],
                },
                { id: 6, callFrame: frame("get stack", "") },
                { id: 7, callFrame: frame("buildKeyPolicy", "file:///p/components/keyPolicy.ts") },
                { id: 8, callFrame: frame("(garbage collector)", "") },
            ],
            samples: [4, 4, 6, 7, 8, 2],
            timeDeltas: [1000, 1000, 3000, 4000, 5000, 6000],
        };
        const c = categorizeProfile(profile);
        assert.equal(c["stack traces for the SDK's promise bookkeeping (debuggablePromise)"], 2);
        assert.equal(c["stack traces for resource source positions (Resource.callsites)"], 3);
        assert.equal(c["program's own code (components/, index.ts, ajv, ip-num)"], 4);
        assert.equal(c["garbage collection"], 5);
        assert.equal(c["Pulumi SDK (@pulumi/pulumi, protobuf, grpc)"], 6);
    });
});

describe("bench: command line", () => {
    it("runs 3 + 15 program reps and 1 + 5 pack reps by default, fewer with --quick", () => {
        const defaults = parseBenchArgs([]);
        assert.deepEqual(
            [
                defaults.programWarmups,
                defaults.programReps,
                defaults.policyWarmups,
                defaults.policyReps,
                defaults.skipTests,
            ],
            [3, 15, 1, 5, false],
        );
        const quick = parseBenchArgs(["--quick", "--skip-tests", "--program-reps", "7"]);
        assert.deepEqual([quick.programReps, quick.policyReps, quick.skipTests], [7, 1, true]);
    });

    it("rejects a bad count or an unknown flag in one line", () => {
        assert.throws(() => parseBenchArgs(["--policy-reps", "0"]), {
            name: "UsageError",
            message: 'bench: --policy-reps: "0" is not allowed; expected a whole number >= 1',
        });
        assert.throws(() => parseBenchArgs(["--fast"]), {
            name: "UsageError",
            message: /^bench: Unknown option '--fast'.*; usage: npm run bench -- /,
        });
        assert.throws(() => parseBenchArgs(["--pack", "/nonexistent"]), {
            name: "UsageError",
            message: 'bench: --pack: "/nonexistent" is not a policy pack folder (no package.json)',
        });
        // The project folder has a package.json but is a program, not a pack with an all.ts.
        assert.throws(() => parseBenchArgs(["--pack", "."]), {
            name: "UsageError",
            message:
                'bench: --pack: "." has no all.ts; expected a pack whose all.ts exports allPolicies and packName, so ' +
                "that its policies can be timed in this process",
        });
    });
});

describe("bench: requests for the pack's own handlers", () => {
    it("carries a resource's inputs, outputs, options and only the dependencies that exist", () => {
        const [, , key, alias] = syntheticStack({ keys: 1 }).map(toAnalyzedResource);
        const requests = stackRequests([key, alias]);
        const [request] = requests.analyze;
        assert.equal(request.getUrn(), key.urn);
        assert.deepEqual(request.getProperties()?.toJavaScript(), key.inputs);
        assert.equal(request.getOptions()?.getProtect(), true);
        const stack = requests.analyzeStack.getResourcesList();
        assert.deepEqual(
            stack[1]
                .getPropertydependenciesMap()
                .getEntryList()
                .map(([k]) => k),
            ["targetKeyId"],
        );
        assert.equal(stack[1].getParent(), alias.parent);
        assert.deepEqual(stack[0].getProperties()?.toJavaScript(), key.outputs);
    });
});
