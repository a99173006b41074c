// `npm run bench -- [--skip-tests] [--skip-cli] [--check] [--quick] [--program-reps N] [--policy-reps N] [--cli-reps N]`
//
// Measures what the program and the policy pack cost, on this machine, and prints a table followed, as the very last
// line, by one JSON object with the figures (see docs/benchmark.md). Progress goes to stderr, so stdout is the
// table and the JSON line only. Large stacks are kept in bench/.generated/ (git-ignored), never committed.
//
// Exit codes: 0 measured (targets met or not, unless --check); 1 a target missed with --check; 2 invalid arguments;
// 3 something failed to run (the program, the policy pack, a command).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { CommandTiming, mochaSummary, testSuiteCompleted, timeNpm } from "./commands";
import { EngineFigures, engineRows, measureEngine } from "./engineBench";
import {
    BenchFigures,
    formatCount,
    formatMs,
    median,
    ratioOfMedians,
    resourcesPerSecond,
    resultLine,
    Row,
    renderTable,
    scaling,
    spread,
    targets,
    verdict,
} from "./figures";
import { InProcessPack } from "./inProcessPack";
import { largeStack } from "./largeStacks";
import { BenchStack, InProcessTimings, measureInProcess } from "./policyBench";
import { flatProgram, measureVariants, timeStacks, Variant } from "./programBench";
import { builtEngine } from "../tools/lib/engine";
import { runCommand, UsageError } from "../tools/lib/errors";
import { loadPolicyConfig } from "../tools/lib/policyConfig";
import { DEFAULT_PACK_DIR } from "../tools/lib/policyHost";
import { packInfoOf } from "../tools/lib/inProcessPack";
import { allPolicies, packName } from "../policies/all";
import { version as packVersion } from "../policies/package.json";
import { listStacks, ProgramRun } from "../tools/lib/programRunner";
import { policyConfigFile, toAnalyzedResource } from "../tools/lib/plan";

const projectDir = path.resolve(__dirname, "..");
/** The stack whose file the large stacks repeat and whose policy config judges them: the strictest, as CI runs it. */
const LARGE_STACK_BASE = "production";
const SMALL_KEYS = 1_000;
const LARGE_KEYS = 10_000;
/** The stack the real CLI previews: the README's default. */
const CLI_STACK = "development";

const usage =
    "usage: npm run bench -- [--skip-tests] [--skip-cli] [--check] [--quick] [--program-reps N] [--program-warmups N] " +
    "[--policy-reps N] [--policy-warmups N] [--cli-reps N]";

/** The benchmark's options. */
export interface BenchArgs {
    skipTests: boolean;
    skipCli: boolean;
    check: boolean;
    programWarmups: number;
    programReps: number;
    policyWarmups: number;
    policyReps: number;
    cliReps: number;
}

function count(flag: string, value: string | undefined, fallback: number, min: number): number {
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
        throw new UsageError(
            `bench: --${flag}: ${JSON.stringify(value)} is not allowed; expected a whole number >= ${min}`,
        );
    }
    return n;
}

/** Reads the command line; a mistake is a one-line `UsageError`. */
export function parseBenchArgs(argv: string[]): BenchArgs {
    let values: Record<string, string | boolean | undefined>;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                "skip-tests": { type: "boolean" },
                "skip-cli": { type: "boolean" },
                check: { type: "boolean" },
                quick: { type: "boolean" },
                "program-warmups": { type: "string" },
                "program-reps": { type: "string" },
                "policy-warmups": { type: "string" },
                "policy-reps": { type: "string" },
                "cli-reps": { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new UsageError(`bench: ${(error as Error).message}; ${usage}`);
    }
    const quick = values.quick === true;
    const str = (k: string) => values[k] as string | undefined;
    return {
        skipTests: values["skip-tests"] === true,
        skipCli: values["skip-cli"] === true,
        check: values.check === true,
        programWarmups: count("program-warmups", str("program-warmups"), 3, 1),
        programReps: count("program-reps", str("program-reps"), quick ? 5 : 15, 1),
        policyWarmups: count("policy-warmups", str("policy-warmups"), 1, 1),
        policyReps: count("policy-reps", str("policy-reps"), quick ? 1 : 5, 1),
        cliReps: count("cli-reps", str("cli-reps"), quick ? 1 : 3, 1),
    };
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);
const section = (line: string) => process.stderr.write(`${line}\n`);

function cpuModel(): string {
    const cpus = os.cpus();
    return cpus.length > 0 ? `${cpus[0].model.trim()} (${cpus.length} logical CPUs)` : "unknown";
}

interface ProgramSection {
    ratio: number;
    lookups: number;
    rows: Row[];
}

/** index.ts against the flat program of each stack, interleaved; and the look-ups of the largest stack. */
async function programSection(args: BenchArgs): Promise<ProgramSection> {
    section("program: index.ts vs a flat program under the mock runtime");
    const stacks = listStacks(projectDir);
    const { runs } = await timeStacks(stacks, () => undefined, projectDir);
    const byStack = new Map<string, ProgramRun>(runs.map((r) => [r.stack, r]));
    const variants: Variant[] = [
        { name: "index.ts", programFor: () => undefined },
        { name: "flat program", programFor: (stack) => flatProgram(byStack.get(stack)!) },
    ];
    const timings = await measureVariants(stacks, variants, args.programWarmups, args.programReps, projectDir);
    const ratio = ratioOfMedians(timings.reps["index.ts"], timings.reps["flat program"]);
    const largest = runs.reduce((a, b) => (b.resources.length > a.resources.length ? b : a));
    const rows: Row[] = [
        [
            `Program under the mock runtime (${stacks.join(", ")}; ${args.programWarmups} warm-up + ${args.programReps} interleaved reps)`,
        ],
        ["", "median", "min", "max", "first run (cold)"],
        ...variants.map((v): Row => {
            const s = spread(timings.reps[v.name]);
            return [
                `  ${v.name}, all stacks`,
                formatMs(s.median),
                formatMs(s.min),
                formatMs(s.max),
                formatMs(timings.cold[v.name]),
            ];
        }),
        ...runs.map((r): Row => [`  ${r.stack}: ${r.resources.length} resources, ${r.invokes.length} look-ups`]),
        ["  programVsFlatRatio", ratio.toFixed(3), verdict("programVsFlatRatio", ratio)],
        [`  lookupsPerStack (${largest.stack})`, String(largest.invokes.length)],
    ];
    return { ratio, lookups: largest.invokes.length, rows };
}

interface PolicySection {
    small: InProcessTimings;
    large: InProcessTimings;
    rows: Row[];
}

/** The whole pack on the 1,000- and 10,000-key stacks, under `@pulumi/policy`'s own handlers in this process. */
async function policySection(args: BenchArgs): Promise<PolicySection> {
    section(`policy pack: index.ts on ${LARGE_STACK_BASE} with ${SMALL_KEYS} and ${LARGE_KEYS} keys`);
    const stacks: BenchStack[] = [];
    const made: Row[] = [];
    for (const keys of [SMALL_KEYS, LARGE_KEYS]) {
        const stack = await largeStack(projectDir, LARGE_STACK_BASE, keys);
        progress(
            `${stack.label}: ${stack.reused ? "kept run" : `ran index.ts in ${formatMs(stack.runMs ?? 0)}`}, ` +
                path.relative(projectDir, stack.file),
        );
        made.push([
            `  ${stack.label}`,
            formatCount(stack.resources.length),
            stack.reused ? "kept from an earlier run" : formatMs(stack.runMs ?? 0),
        ]);
        stacks.push({ label: stack.label, keys, resources: stack.resources.map(toAnalyzedResource) });
    }
    const packInfo = packInfoOf({ name: packName, version: packVersion, policies: allPolicies });
    const configFile = policyConfigFile(projectDir, LARGE_STACK_BASE);
    const config = loadPolicyConfig(fs.existsSync(configFile) ? configFile : undefined, packInfo);
    const pack = InProcessPack.load(DEFAULT_PACK_DIR);
    const [small, large] = await measureInProcess(pack, config, stacks, args.policyWarmups, args.policyReps, progress);
    const stackPolicies = packInfo.policies.filter((p) => p.kind === "stack").length;
    const rows: Row[] = [
        [
            `Large stacks: index.ts run on Pulumi.${LARGE_STACK_BASE}.yaml with its keys repeated (bench/largeStacks.ts), as a preview`,
        ],
        ["", "resources", "program run"],
        ...made,
        [
            `Policy pack "${packInfo.name}" ${packInfo.version}: ${packInfo.policies.length} policies (${stackPolicies} stack), ` +
                `config ${path.relative(projectDir, configFile)}; ${args.policyWarmups} warm-up + ${args.policyReps} interleaved reps`,
        ],
        [
            "  Served in this process by @pulumi/policy's own Analyze and AnalyzeStack handlers; " +
                '"in the pack" is the time inside the policies\' validation functions, "with the SDK" the whole of the handlers',
        ],
        ["", "resources", "in the pack", "min", "max", "resources/s", "with the SDK", "resources/s", "diagnostics"],
    ];
    for (const t of [small, large]) {
        const s = spread(t.samples.map((x) => x.packMs));
        const sdk = median(t.samples.map((x) => x.handlersMs));
        const n = t.stack.resources.length;
        rows.push([
            `  ${t.stack.label}`,
            formatCount(n),
            formatMs(s.median),
            formatMs(s.min),
            formatMs(s.max),
            formatCount(resourcesPerSecond(n, s.median)),
            formatMs(sdk),
            formatCount(resourcesPerSecond(n, sdk)),
            String(t.diagnostics),
        ]);
    }
    rows.push(
        [`Time in each policy, ${large.stack.label} (last rep)`],
        ["", "time", "per resource"],
        ...Object.entries(large.byPolicyMs)
            .sort((a, b) => b[1] - a[1])
            .map((entry): Row => {
                const [name, ms] = entry;
                return [`  ${name}`, formatMs(ms), `${((ms * 1000) / large.stack.resources.length).toFixed(1)} us`];
            }),
    );
    return { small, large, rows };
}

/** The real CLI's ratios, when the engine is there without building it (`npm run engine` builds it). */
function cliSection(args: BenchArgs): { figures: EngineFigures | null; rows: Row[] } {
    if (args.skipCli) {
        return { figures: null, rows: [["Real CLI: skipped (--skip-cli)"]] };
    }
    const engine = builtEngine();
    if (engine === undefined) {
        return {
            figures: null,
            rows: [["Real CLI: not available (no `pulumi` on the PATH, nothing built by `npm run engine`)"]],
        };
    }
    section(`real CLI: pulumi preview of ${CLI_STACK}, ${args.cliReps} rounds`);
    const figures = measureEngine(engine, CLI_STACK, args.cliReps, progress);
    return { figures, rows: engineRows(figures) };
}

async function testsSection(args: BenchArgs): Promise<{ tests?: CommandTiming; rows: Row[] }> {
    if (args.skipTests) {
        return { rows: [["Commands (child processes, wall time)"], ["  npm test", "skipped (--skip-tests)"]] };
    }
    section("commands: npm test");
    const tests = await timeNpm(["test"], projectDir);
    progress(`tests: ${tests.seconds.toFixed(1)} s, exit ${tests.code ?? tests.signal}`);
    const s = mochaSummary(tests.tail);
    const summary = [
        s.passing !== undefined ? `${s.passing} passing` : "",
        s.failing ? `${s.failing} failing` : "",
        s.pending ? `${s.pending} pending` : "",
    ]
        .filter(Boolean)
        .join(", ");
    const ended = tests.signal ? `killed by ${tests.signal}` : `exit ${tests.code}`;
    return {
        tests,
        rows: [
            ["Commands (child processes, wall time)"],
            ["  npm test", `${tests.seconds.toFixed(2)} s`, `${ended}${summary ? `; ${summary}` : ""}`],
        ],
    };
}

function loadAverage(): string {
    return os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");
}

async function main(argv: string[]): Promise<number> {
    const args = parseBenchArgs(argv);
    // Other processes on the machine slow every figure down: the load is printed so that a reader can tell.
    const loadAtStart = loadAverage();
    const program = await programSection(args);
    const policy = await policySection(args);
    const cli = cliSection(args);
    const commands = await testsSection(args);

    const largeResources = policy.large.stack.resources.length;
    const packMs = (t: InProcessTimings) => t.samples.map((s) => s.packMs);
    const figures: BenchFigures = {
        programVsFlatRatio: program.ratio,
        lookupsPerStack: program.lookups,
        policyResourcesPerSecond: resourcesPerSecond(largeResources, median(packMs(policy.large))),
        policyResourcesPerSecondWithSdk: resourcesPerSecond(
            largeResources,
            median(policy.large.samples.map((s) => s.handlersMs)),
        ),
        policyScaling10kOver1k: scaling(packMs(policy.large), packMs(policy.small)),
        cliPreviewProgramRatio: cli.figures?.cliPreviewProgramRatio ?? null,
        cliPreviewPackRatio: cli.figures?.cliPreviewPackRatio ?? null,
        testSuiteSeconds: commands.tests && testSuiteCompleted(commands.tests) ? commands.tests.seconds : null,
    };
    const orNull = (value: number | null, digits: number) => (value === null ? "null" : value.toFixed(digits));
    const rows: Row[] = [
        ["Machine"],
        ["  Node", process.version],
        ["  CPU", cpuModel()],
        ["  OS", `${os.type()} ${os.release()} ${os.arch()}`],
        ["  load average (1, 5, 15 min) at start", loadAtStart],
        ["  load average (1, 5, 15 min) at end", loadAverage()],
        ...program.rows,
        ...policy.rows,
        ...cli.rows,
        ...commands.rows,
        ["Figures"],
        [
            "  programVsFlatRatio",
            figures.programVsFlatRatio.toFixed(3),
            verdict("programVsFlatRatio", figures.programVsFlatRatio),
        ],
        ["  lookupsPerStack", String(figures.lookupsPerStack), "recorded"],
        [
            `  policyResourcesPerSecond (${formatCount(LARGE_KEYS)} keys)`,
            formatCount(figures.policyResourcesPerSecond),
            verdict("policyResourcesPerSecond", figures.policyResourcesPerSecond),
        ],
        ["  policyResourcesPerSecondWithSdk", formatCount(figures.policyResourcesPerSecondWithSdk), "recorded"],
        [
            "  policyScaling10kOver1k",
            figures.policyScaling10kOver1k.toFixed(3),
            verdict("policyScaling10kOver1k", figures.policyScaling10kOver1k),
        ],
        ["  cliPreviewProgramRatio", orNull(figures.cliPreviewProgramRatio, 3), "recorded"],
        ["  cliPreviewPackRatio", orNull(figures.cliPreviewPackRatio, 3), "recorded"],
        ["  testSuiteSeconds", orNull(figures.testSuiteSeconds, 2), "recorded"],
    ];
    process.stdout.write(`${renderTable(rows)}\n${resultLine(figures)}\n`);

    const missed =
        figures.programVsFlatRatio > targets.programVsFlatRatio.max ||
        figures.policyResourcesPerSecond < targets.policyResourcesPerSecond.min ||
        figures.policyScaling10kOver1k > targets.policyScaling10kOver1k.max;
    return args.check && missed ? 1 : 0;
}

if (require.main === module) {
    runCommand(main);
}
