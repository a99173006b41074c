import * as assert from "assert/strict";
import { parseBenchArgs } from "../../bench/bench";
import { mochaSummary, testSuiteCompleted } from "../../bench/commands";
import {
    median,
    ratioOfMedians,
    renderTable,
    resourcesPerSecond,
    resultLine,
    scaling,
    verdict,
} from "../../bench/figures";
import { stackRequests } from "../../bench/inProcessPack";
import { BenchStack, roundRobin } from "../../bench/policyBench";
import { runProgram } from "../../tools/lib/programRunner";
import { toAnalyzedResource } from "../../tools/lib/plan";
import { fixtureProjectDir } from "../helpers/stackConfig";

describe("bench: figures", () => {
    it("takes the median of odd and even counts, and refuses none", () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.throws(() => median([]), { message: "median: no values" });
    });

    it("divides the program's median by the flat program's median", () => {
        assert.equal(ratioOfMedians([10, 12, 11, 50], [5, 4, 6, 5]), 11.5 / 5);
        assert.throws(() => ratioOfMedians([1], [0]), {
            message: "ratioOfMedians: the flat program's median time is not positive",
        });
    });

    it("counts resources per second and the growth from the small stack to the large one", () => {
        assert.equal(resourcesPerSecond(30_401, 1_520.05), 20_000);
        assert.equal(scaling([900, 1000, 1100], [90, 100, 200]), 10);
        assert.throws(() => resourcesPerSecond(10, 0), /not positive/);
    });

    it("prints the figures as one JSON line with fixed keys, rounding and nulls", () => {
        const line = resultLine({
            programVsFlatRatio: 1.23456,
            lookupsPerStack: 14,
            policyResourcesPerSecond: 21_345.6,
            policyResourcesPerSecondWithSdk: 4_567.5,
            policyScaling10kOver1k: 10.0004,
            cliPreviewProgramRatio: 3.16666,
            cliPreviewPackRatio: null,
            testSuiteSeconds: 16.456,
        });
        assert.equal(
            line,
            '{"programVsFlatRatio":1.235,"lookupsPerStack":14,"policyResourcesPerSecond":21346,' +
                '"policyResourcesPerSecondWithSdk":4568,"policyScaling10kOver1k":10,"cliPreviewProgramRatio":3.167,' +
                '"cliPreviewPackRatio":null,"testSuiteSeconds":16.46}',
        );
    });

    it("judges each figure against its target", () => {
        assert.equal(verdict("programVsFlatRatio", 1.3), "meets <= 1.3");
        assert.equal(verdict("programVsFlatRatio", 1.31), "MISSES <= 1.3");
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

describe("bench: commands and rounds", () => {
    it("reads mocha's summary and tells complete runs from broken ones", () => {
        const tail = ["  212 passing (41s)", "  3 pending", "  2 failing", "", "  1) something"];
        assert.deepEqual(mochaSummary(tail), { passing: 212, failing: 2, pending: 3 });
        assert.equal(testSuiteCompleted({ seconds: 1, code: 2, signal: null, tail }), true);
        assert.equal(
            testSuiteCompleted({ seconds: 1, code: 1, signal: null, tail: ["TSError: Unable to compile"] }),
            false,
        );
        assert.equal(testSuiteCompleted({ seconds: 1, code: null, signal: "SIGKILL", tail }), false);
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
});

describe("bench: command line", () => {
    it("runs 3 + 15 program reps, 1 + 5 pack reps and 3 CLI rounds by default, fewer with --quick", () => {
        assert.deepEqual(parseBenchArgs([]), {
            skipTests: false,
            skipCli: false,
            check: false,
            programWarmups: 3,
            programReps: 15,
            policyWarmups: 1,
            policyReps: 5,
            cliReps: 3,
        });
        const quick = parseBenchArgs(["--quick", "--skip-tests", "--skip-cli", "--program-reps", "7"]);
        assert.deepEqual(
            [quick.programReps, quick.policyReps, quick.cliReps, quick.skipTests, quick.skipCli],
            [7, 1, 1, true, true],
        );
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
    });
});

describe("bench: requests for the pack's own handlers", () => {
    it("carries a resource's inputs, outputs, options and only the dependencies that exist", async () => {
        const run = await runProgram("production", { projectDir: fixtureProjectDir });
        const resources = run.resources.map(toAnalyzedResource);
        const key = resources.find((r) => r.type === "aws:kms/key:Key")!;
        const alias = resources.find((r) => r.type === "aws:kms/alias:Alias" && r.parent === key.parent)!;
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
