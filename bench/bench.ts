// `npm run bench -- [--skip-tests] [--explain] [--check] [--quick] [--program-reps N] [--policy-reps N] [--pack DIR]`
//
// Measures what the program and the policy pack cost, on this machine, and prints a table followed, as the very last
// line, by one JSON object with the figures (see docs/benchmark.md). Progress goes to stderr, so stdout is the
// table and the JSON line only. Generated stacks are written to bench/.generated/ (git-ignored), never committed.
//
// Exit codes: 0 measured (targets met or not, unless --check); 1 a target missed with --check; 2 invalid arguments;
// 3 something failed to run (the program, the policy pack, a command).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { CommandTiming, mochaSummary, synthCompleted, testSuiteCompleted, timeNpm } from "./commands";
import {
    BenchFigures,
    formatCount,
    formatMs,
    median,
    overheadRatio,
    resourcesPerSecond,
    resultLine,
    Row,
    renderTable,
    scaling,
    spread,
    targets,
    verdict,
} from "./figures";
import { syntheticStack, syntheticStackCounts } from "./fixtures";
import { canServeInProcess, InProcessPack, stackRequests } from "./inProcessPack";
import {
    allDisabled,
    AnalyzeSample,
    BenchStack,
    countByPolicy,
    InProcessTimings,
    measureInProcess,
    measurePolicy,
    onlyPolicy,
    StackTimings,
    tracePhases,
    timeAnalyze,
} from "./policyBench";
import {
    emptyProgram,
    importCosts,
    invokesOnly,
    measureVariants,
    profileCategories,
    profileVariant,
    registrationsOnly,
    timeStacks,
    Variant,
} from "./programBench";
import { runCommand, UsageError } from "../tools/lib/errors";
import { loadPolicyConfig, PolicyPackConfig } from "../tools/lib/policyConfig";
import { DEFAULT_PACK_DIR, PolicyHost, PolicyInfo } from "../tools/lib/policyHost";
import { listStacks, ProgramRun } from "../tools/lib/programRunner";
import { policyConfigFile, stackExportOf, toAnalyzedResource } from "../tools/lib/plan";

const projectDir = path.resolve(__dirname, "..");
/** Where generated stacks go: git-ignored. */
export const generatedDir = path.join(__dirname, ".generated");
/** The stack whose policy config judges the synthetic stacks: the strictest one, as CI runs it. */
const POLICY_CONFIG_STACK = "production";
const SMALL_KEYS = 1_000;
const LARGE_KEYS = 10_000;

const usage =
    "usage: npm run bench -- [--skip-tests] [--explain] [--check] [--quick] [--program-reps N] [--program-warmups N] " +
    "[--policy-reps N] [--policy-warmups N] [--pack DIR]";

/** The benchmark's options. */
export interface BenchArgs {
    skipTests: boolean;
    explain: boolean;
    check: boolean;
    programWarmups: number;
    programReps: number;
    policyWarmups: number;
    policyReps: number;
    packDir: string;
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
                explain: { type: "boolean" },
                check: { type: "boolean" },
                quick: { type: "boolean" },
                "program-warmups": { type: "string" },
                "program-reps": { type: "string" },
                "policy-warmups": { type: "string" },
                "policy-reps": { type: "string" },
                pack: { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new UsageError(`bench: ${(error as Error).message}; ${usage}`);
    }
    const quick = values.quick === true;
    const str = (k: string) => values[k] as string | undefined;
    const packDir = path.resolve(str("pack") ?? DEFAULT_PACK_DIR);
    if (!fs.existsSync(path.join(packDir, "package.json"))) {
        throw new UsageError(
            `bench: --pack: ${JSON.stringify(str("pack") ?? packDir)} is not a policy pack folder (no package.json)`,
        );
    }
    if (!canServeInProcess(packDir)) {
        throw new UsageError(
            `bench: --pack: ${JSON.stringify(str("pack") ?? packDir)} has no all.ts; expected a pack whose all.ts exports ` +
                `allPolicies and packName, so that its policies can be timed in this process`,
        );
    }
    return {
        skipTests: values["skip-tests"] === true,
        explain: values.explain === true,
        check: values.check === true,
        programWarmups: count("program-warmups", str("program-warmups"), 3, 1),
        programReps: count("program-reps", str("program-reps"), quick ? 5 : 15, 1),
        policyWarmups: count("policy-warmups", str("policy-warmups"), 1, 1),
        policyReps: count("policy-reps", str("policy-reps"), quick ? 1 : 5, 1),
        packDir,
    };
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);
const section = (line: string) => process.stderr.write(`${line}\n`);

function cpuModel(): string {
    const cpus = os.cpus();
    return cpus.length > 0 ? `${cpus[0].model.trim()} (${cpus.length} logical CPUs)` : "unknown";
}

/** A stack export (version 3) of the synthetic stack, so that `npm run audit` can read it too. */
function writeGenerated(stack: BenchStack): string {
    fs.mkdirSync(generatedDir, { recursive: true });
    const file = path.join(generatedDir, `synthetic-${stack.keys}-keys.stack-export.json`);
    fs.writeFileSync(file, JSON.stringify(stackExportOf(stack.resources, "generated by bench/fixtures.ts")));
    return file;
}

/** The principals the policy config allows as administrators and the accounts it trusts, for realistic stacks. */
function principalsAllowedBy(
    config: PolicyPackConfig,
    accountId: string,
): { administrators?: string[]; crossAccountIds: string[] } {
    const admins = (config["kms-key-policy-admin-rights"]?.properties["keyAdministrators"] ?? []) as string[];
    const accounts = (config["kms-key-policy-trusted-accounts"]?.properties["allowedAccountIds"] ?? []) as string[];
    const usable = admins.filter((a) => !a.includes("*") && a.split(":")[4] === accountId);
    return {
        administrators: usable.length > 0 ? usable : undefined,
        crossAccountIds: accounts.filter((a) => a !== accountId),
    };
}

interface ProgramSection {
    stacks: string[];
    runs: ProgramRun[];
    ratio: number;
    rows: Row[];
}

async function programSection(args: BenchArgs): Promise<ProgramSection> {
    section("program: index.ts vs an empty program under the mock runtime");
    const stacks = listStacks(projectDir);
    const variants: Variant[] = [
        { name: "index.ts", programFor: () => undefined },
        { name: "empty program", programFor: () => emptyProgram },
    ];
    const timings = await measureVariants(stacks, variants, args.programWarmups, args.programReps, projectDir);
    const { runs } = await timeStacks(stacks, () => undefined, projectDir);
    const ratio = overheadRatio(timings.reps["index.ts"], timings.reps["empty program"]);
    const resources = runs.reduce((n, r) => n + r.resources.length, 0);
    const invokes = runs.reduce((n, r) => n + r.invokes.length, 0);
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
        [`  index.ts registers ${resources} resources and makes ${invokes} invokes for the ${stacks.length} stacks`],
        ["  programOverheadRatio", ratio.toFixed(3), verdict("programOverheadRatio", ratio)],
    ];
    if (args.explain) {
        rows.push(...(await explainProgram(args, stacks, runs)));
    }
    return { stacks, runs, ratio, rows };
}

async function explainProgram(args: BenchArgs, stacks: string[], runs: ProgramRun[]): Promise<Row[]> {
    section("program: where the time goes (--explain)");
    const byStack = new Map(runs.map((r) => [r.stack, r]));
    const variants: Variant[] = [
        { name: "index.ts", programFor: () => undefined },
        { name: "empty program", programFor: () => emptyProgram },
        { name: "same invokes only", programFor: (s) => invokesOnly(byStack.get(s)!) },
        { name: "same registrations only", programFor: (s) => registrationsOnly(byStack.get(s)!) },
        { name: "index.ts, plain stack traces", programFor: () => undefined, plainStackTraces: true },
        { name: "empty program, plain stack traces", programFor: () => emptyProgram, plainStackTraces: true },
    ];
    const timings = await measureVariants(stacks, variants, 2, args.programReps, projectDir);
    const empty = median(timings.reps["empty program"]);
    const rows: Row[] = [
        ["Where the program's time goes (--explain; a second set of interleaved reps, medians)"],
        ["", "median", "over empty"],
        ...variants.map((v): Row => {
            const m = median(timings.reps[v.name]);
            const base = v.plainStackTraces ? median(timings.reps["empty program, plain stack traces"]) : empty;
            return [`  ${v.name}`, formatMs(m), `x${(m / base).toFixed(2)}`];
        }),
    ];
    progress("profiling index.ts and the empty program");
    for (const v of variants.slice(0, 2)) {
        const categories = await profileVariant(stacks, v, 10, projectDir);
        const total = Object.values(categories).reduce((a, b) => a + b, 0);
        rows.push(
            [`CPU profile of ${v.name}, 10 rounds of all stacks (${formatMs(total)} sampled)`],
            ["", "ms", "share"],
        );
        for (const c of profileCategories) {
            if (categories[c] > 0) {
                rows.push([`  ${c}`, categories[c].toFixed(0), `${((100 * categories[c]) / total).toFixed(1)}%`]);
            }
        }
    }
    progress("timing imports in a fresh process");
    const imports = importCosts(projectDir);
    rows.push(["One-time import cost in a fresh Node process with ts-node (paid once per `pulumi up`, not per run)"]);
    if ("error" in imports) {
        rows.push(["  could not measure", imports.error]);
    } else {
        for (const [name, ms] of Object.entries(imports.costs)) {
            rows.push([`  ${name}`, formatMs(ms)]);
        }
    }
    return rows;
}

interface PolicySection {
    timings: StackTimings[];
    inProcess: InProcessTimings[];
    rows: Row[];
}

/** A stack's label, its resources, the median, min and max of `ms` and the resources per second at the median. */
function spreadRow(stack: BenchStack, ms: readonly number[]): Row {
    const s = spread(ms);
    return [
        `  ${stack.label}`,
        formatCount(stack.resources.length),
        formatMs(s.median),
        formatMs(s.min),
        formatMs(s.max),
        formatCount(resourcesPerSecond(stack.resources.length, s.median)),
    ];
}

async function policySection(args: BenchArgs, runs: ProgramRun[]): Promise<PolicySection> {
    section(`policy pack: ${path.relative(projectDir, args.packDir) || "."}`);
    const host = await PolicyHost.start(args.packDir);
    try {
        const packInfo = await host.pack();
        const configFile = policyConfigFile(projectDir, POLICY_CONFIG_STACK);
        const useStackConfig = args.packDir === DEFAULT_PACK_DIR && fs.existsSync(configFile);
        const config = loadPolicyConfig(useStackConfig ? configFile : undefined, packInfo);
        const production = runs.find((r) => r.stack === POLICY_CONFIG_STACK);
        const accountId = production
            ? JSON.parse(production.config["aws:allowedAccountIds"] ?? '["111111111111"]')[0]
            : "111111111111";
        const principals = principalsAllowedBy(config, accountId);
        const stacks: BenchStack[] = [SMALL_KEYS, LARGE_KEYS].map((keys) => ({
            label: `${formatCount(keys)} keys`,
            keys,
            resources: syntheticStack({ keys, accountId, ...principals }).map(toAnalyzedResource),
        }));
        for (const stack of stacks) {
            progress(`wrote ${path.relative(projectDir, writeGenerated(stack))}`);
        }

        // The real stack first: the synthetic ones should draw the same verdicts per policy as the real one does.
        const realVerdict = production
            ? await host.analyze(production.resources.map(toAnalyzedResource), config)
            : undefined;
        const pack = InProcessPack.load(args.packDir);
        const inProcess = await measureInProcess(pack, config, stacks, args.policyWarmups, args.policyReps, progress);
        const timings = await measurePolicy(host, config, stacks, args.policyWarmups, args.policyReps, progress);

        const stackPolicies = packInfo.policies.filter((p) => p.kind === "stack").length;
        const rows: Row[] = [
            [
                `Policy pack "${packInfo.name}" ${packInfo.version}: ${packInfo.policies.length} policies (${stackPolicies} stack), ` +
                    `config ${useStackConfig ? path.relative(projectDir, configFile) : "pack defaults"}; ` +
                    `${args.policyWarmups} warm-up + ${args.policyReps} interleaved reps each way`,
            ],
            [
                "  The pack served in this process by @pulumi/policy's own Analyze and AnalyzeStack handlers; " +
                    '"in the pack" is the time inside the policies\' validation functions, "with the SDK" the whole of the handlers',
            ],
            ["", "resources", "in the pack", "min", "max", "resources/s", "with the SDK", "resources/s"],
        ];
        for (const t of inProcess) {
            const sdk = median(t.samples.map((x) => x.handlersMs));
            rows.push([
                ...spreadRow(
                    t.stack,
                    t.samples.map((x) => x.packMs),
                ),
                formatMs(sdk),
                formatCount(resourcesPerSecond(t.stack.resources.length, sdk)),
            ]);
        }
        const large = inProcess[inProcess.length - 1];
        rows.push(
            [`Time in each policy, ${large.stack.label} (last rep)`],
            ["", "time", "per resource"],
            ...Object.entries(large.byPolicyMs)
                .sort((a, b) => b[1] - a[1])
                .map(([name, ms]): Row => [`  ${name}`, formatMs(ms), perResource(ms, large.stack.resources.length)]),
            [
                "The same pack in its own process over gRPC, as `pulumi preview --policy-pack` runs it (PolicyHost: Configure, " +
                    "an Analyze per resource, AnalyzeStack)",
            ],
            ["", "resources", "median", "min", "max", "resources/s", "host CPU", "pack CPU"],
        );
        for (const t of timings) {
            const packCpu = t.samples.every((x) => x.packCpuMs !== null)
                ? median(t.samples.map((x) => x.packCpuMs!))
                : undefined;
            rows.push([
                ...spreadRow(
                    t.stack,
                    t.samples.map((x) => x.wallMs),
                ),
                formatMs(median(t.samples.map((x) => x.hostCpuMs))),
                packCpu === undefined ? "n/a" : formatMs(packCpu),
            ]);
        }
        const describe = (label: string, v: { violations: { policy: string }[]; undecided: { policy: string }[] }) => [
            [
                `  ${label}: violations`,
                v.violations.length === 0 ? "none" : countByPolicy(v.violations).join(", "),
            ] as Row,
            [
                `  ${label}: undecided at preview`,
                v.undecided.length === 0 ? "none" : countByPolicy(v.undecided).join(", "),
            ] as Row,
        ];
        if (realVerdict) {
            rows.push(...describe(`real ${POLICY_CONFIG_STACK} stack`, realVerdict));
        }
        for (const t of timings) {
            rows.push(...describe(t.stack.label, t.verdict));
        }
        if (args.explain) {
            rows.push(...(await explainPolicy(host, config, stacks, args)));
        }
        return { timings, inProcess, rows };
    } finally {
        await host.close();
    }
}

/** A stack of `count` resources with no properties, of a type no policy applies to: the cost of a call alone. */
function trivialStack(count: number): BenchStack {
    const resources = Array.from({ length: count }, (_, i) => ({
        urn: `urn:pulumi:bench::kms-keys::bench:index:Nothing::r${i}`,
        type: "bench:index:Nothing",
        name: `r${i}`,
        custom: true,
        inputs: {},
        outputs: {},
        protect: false,
        dependencies: [],
        propertyDependencies: {},
    }));
    return { label: `${formatCount(count)} empty resources`, keys: 0, resources };
}

/** Median of `reps` timed calls after one untimed one. */
async function sampleWith(
    host: PolicyHost,
    stack: BenchStack,
    config: PolicyPackConfig,
    reps: number,
): Promise<AnalyzeSample> {
    await timeAnalyze(host, stack.resources, config);
    const samples: AnalyzeSample[] = [];
    for (let i = 0; i < reps; i++) {
        samples.push((await timeAnalyze(host, stack.resources, config)).sample);
    }
    const packKnown = samples.every((x) => x.packCpuMs !== null);
    return {
        wallMs: median(samples.map((x) => x.wallMs)),
        hostCpuMs: median(samples.map((x) => x.hostCpuMs)),
        packCpuMs: packKnown ? median(samples.map((x) => x.packCpuMs!)) : null,
    };
}

const perResource = (ms: number | null, resources: number) =>
    ms === null ? "n/a" : `${((ms * 1000) / resources).toFixed(0)} us`;

async function explainPolicy(
    host: PolicyHost,
    config: PolicyPackConfig,
    stacks: BenchStack[],
    args: BenchArgs,
): Promise<Row[]> {
    section("policy pack: where the time goes (--explain)");
    const reps = Math.max(1, Math.min(args.policyReps, 3));
    const [small] = stacks;
    const rows: Row[] = [
        ["Where the pack's time goes (--explain): one traced PolicyHost.analyze call per stack"],
        ["", "total", "Configure", "Analyze phase", "in flight max/mean", "build stack request", "AnalyzeStack"],
    ];
    for (const stack of stacks) {
        const start = process.hrtime.bigint();
        const p = await tracePhases(host, stack.resources, config);
        const total = Number(process.hrtime.bigint() - start) / 1e6;
        rows.push([
            `  ${stack.label}`,
            formatMs(total),
            formatMs(p.configureMs),
            `${formatMs(p.analyzePhaseMs)} (${formatCount(p.analyzeCalls)} calls)`,
            `${p.maxInFlight}/${p.meanInFlight.toFixed(1)}`,
            formatMs(p.buildStackRequestMs),
            formatMs(p.analyzeStackMs),
        ]);
    }

    progress("timing the transport floor");
    const trivial = trivialStack(small.resources.length);
    const floors: [string, BenchStack, PolicyPackConfig][] = [
        [`${trivial.label}, every policy disabled`, trivial, allDisabled(config)],
        [`${small.label}, every policy disabled`, small, allDisabled(config)],
        [`${small.label}, the whole pack`, small, config],
    ];
    rows.push(
        [
            `Per resource, median of ${reps} (CPU times are what each process spent; wall time suffers from a busy machine)`,
        ],
        ["", "wall", "wall/resource", "host CPU/resource", "pack CPU/resource"],
    );
    for (const [label, stack, c] of floors) {
        const s = await sampleWith(host, stack, c, reps);
        const n = stack.resources.length;
        rows.push([
            `  ${label}`,
            formatMs(s.wallMs),
            perResource(s.wallMs, n),
            perResource(s.hostCpuMs, n),
            perResource(s.packCpuMs, n),
        ]);
    }

    rows.push(...(await explainInProcess(args.packDir, (await host.pack()).policies, config, stacks, reps)));
    return rows;
}

/** Median wall time of `fn` over `reps` runs after one untimed run. */
async function medianMs(reps: number, fn: () => Promise<unknown>): Promise<number> {
    await fn();
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) {
        const start = process.hrtime.bigint();
        await fn();
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(samples);
}

async function explainInProcess(
    packDir: string,
    policies: PolicyInfo[],
    config: PolicyPackConfig,
    stacks: BenchStack[],
    reps: number,
): Promise<Row[]> {
    progress("timing the pack's own handlers in this process");
    const pack = InProcessPack.load(packDir);
    const info = Object.keys(config);
    // The whole pack under these handlers is the headline table; here, what the handlers cost with no policy at all.
    const rows: Row[] = [
        [
            `The pack without gRPC, every policy disabled: @pulumi/policy's own Analyze and AnalyzeStack handlers called in this process, median of ${reps}`,
        ],
        ["", "Analyze, every resource", "AnalyzeStack", "total", "per resource", "resources/s"],
    ];
    const requests = stacks.map((s) => ({ stack: s, ...stackRequests(s.resources) }));
    await pack.configure(allDisabled(config));
    const analyzeFloors: number[] = [];
    for (const r of requests) {
        const analyze = await medianMs(reps, () => pack.analyzeAll(r.analyze));
        analyzeFloors.push(analyze);
        const stack = await medianMs(reps, () => pack.analyzeStack(r.analyzeStack));
        const n = r.stack.resources.length;
        rows.push([
            `  ${r.stack.label}`,
            formatMs(analyze),
            formatMs(stack),
            formatMs(analyze + stack),
            perResource(analyze + stack, n),
            formatCount(resourcesPerSecond(n, analyze + stack)),
        ]);
    }
    const [small] = requests;
    const [floor] = analyzeFloors;
    rows.push(
        [
            `Each resource policy alone, without gRPC, on ${small.stack.label}: Analyze time over the all-disabled ${formatMs(floor)}`,
        ],
        ["", "time", "per resource"],
    );
    const n = small.stack.resources.length;
    const policyKinds = new Map(policies.map((p) => [p.name, p.kind]));
    for (const name of info.filter(
        (p) => policyKinds.get(p) === "resource" && config[p].enforcementLevel !== "disabled",
    )) {
        await pack.configure(onlyPolicy(config, name));
        const over = (await medianMs(reps, () => pack.analyzeAll(small.analyze))) - floor;
        rows.push([`  ${name}`, formatMs(over), perResource(over, n)]);
    }
    rows.push(
        ["Each stack policy alone, without gRPC: AnalyzeStack time (linear growth is x10)"],
        ["", ...stacks.map((s) => s.label), "growth"],
    );
    for (const name of info.filter(
        (p) => policyKinds.get(p) === "stack" && config[p].enforcementLevel !== "disabled",
    )) {
        await pack.configure(onlyPolicy(config, name));
        const times: number[] = [];
        for (const r of requests) {
            times.push(await medianMs(reps, () => pack.analyzeStack(r.analyzeStack)));
        }
        rows.push([`  ${name}`, ...times.map(formatMs), `x${(times[times.length - 1] / times[0]).toFixed(1)}`]);
    }
    return rows;
}

async function commandsSection(args: BenchArgs): Promise<{ synth: CommandTiming; tests?: CommandTiming; rows: Row[] }> {
    section("commands: npm run synth -- --all, npm test");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "kms-keys-bench-synth-"));
    let synth: CommandTiming;
    try {
        synth = await timeNpm(["run", "synth", "--", "--all", "--out", out], projectDir);
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
    progress(`synth: ${synth.seconds.toFixed(1)} s, exit ${synth.code ?? synth.signal}`);
    const tests = args.skipTests ? undefined : await timeNpm(["test"], projectDir);
    if (tests) {
        progress(`tests: ${tests.seconds.toFixed(1)} s, exit ${tests.code ?? tests.signal}`);
    }
    const ended = (t: CommandTiming) => (t.signal ? `killed by ${t.signal}` : `exit ${t.code}`);
    const rows: Row[] = [
        ["Commands (child processes, wall time)"],
        ["  npm run synth -- --all --out <tmp>", `${synth.seconds.toFixed(2)} s`, ended(synth)],
    ];
    if (!synthCompleted(synth)) {
        rows.push(["  synth did not complete; its last lines:"], ...synth.tail.slice(-5).map((l): Row => [`    ${l}`]));
    }
    if (tests) {
        const s = mochaSummary(tests.tail);
        const summary = [
            s.passing !== undefined ? `${s.passing} passing` : "",
            s.failing ? `${s.failing} failing` : "",
            s.pending ? `${s.pending} pending` : "",
        ]
            .filter(Boolean)
            .join(", ");
        rows.push(["  npm test", `${tests.seconds.toFixed(2)} s`, `${ended(tests)}${summary ? `; ${summary}` : ""}`]);
    } else {
        rows.push(["  npm test", "skipped (--skip-tests)"]);
    }
    return { synth, tests, rows };
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
    const policy = await policySection(args, program.runs);
    const commands = await commandsSection(args);

    const [small, large] = policy.inProcess;
    const largePackMs = large.samples.map((s) => s.packMs);
    const largeResources = large.stack.resources.length;
    const figures: BenchFigures = {
        programOverheadRatio: program.ratio,
        policyResourcesPerSecond: resourcesPerSecond(largeResources, median(largePackMs)),
        policyScaling10kOver1k: scaling(
            largePackMs,
            small.samples.map((s) => s.packMs),
        ),
        synthAllStacksSeconds: synthCompleted(commands.synth) ? commands.synth.seconds : null,
        testSuiteSeconds: commands.tests && testSuiteCompleted(commands.tests) ? commands.tests.seconds : null,
        policyResourcesPerSecondWithSdk: resourcesPerSecond(
            largeResources,
            median(large.samples.map((s) => s.handlersMs)),
        ),
        policyResourcesPerSecondOverGrpc: resourcesPerSecond(
            largeResources,
            median(policy.timings[policy.timings.length - 1].samples.map((s) => s.wallMs)),
        ),
    };
    const counts = [small, large].map((t) => syntheticStackCounts(t.stack.keys));
    const rows: Row[] = [
        ["Machine"],
        ["  Node", process.version],
        ["  CPU", cpuModel()],
        ["  OS", `${os.type()} ${os.release()} ${os.arch()}`],
        ["  load average (1, 5, 15 min) at start", loadAtStart],
        ["  load average (1, 5, 15 min) at end", loadAverage()],
        ...program.rows,
        [
            `Synthetic stacks (bench/fixtures.ts, shapes of index.ts's registrations): per key a KmsKey component, key and alias; ` +
                `one KMS endpoint (component, security group, ingress rule, endpoint) per 100 keys: ` +
                counts.map((c) => `${formatCount(c.keys)} keys = ${formatCount(c.resources)} resources`).join(", "),
        ],
        ...policy.rows,
        ...commands.rows,
        ["Figures"],
        [
            "  programOverheadRatio",
            figures.programOverheadRatio.toFixed(3),
            verdict("programOverheadRatio", figures.programOverheadRatio),
        ],
        [
            `  policyResourcesPerSecond (${formatCount(LARGE_KEYS)} keys)`,
            formatCount(figures.policyResourcesPerSecond),
            verdict("policyResourcesPerSecond", figures.policyResourcesPerSecond),
        ],
        [
            "  policyScaling10kOver1k",
            figures.policyScaling10kOver1k.toFixed(3),
            verdict("policyScaling10kOver1k", figures.policyScaling10kOver1k),
        ],
        [
            "  synthAllStacksSeconds",
            figures.synthAllStacksSeconds === null ? "null" : figures.synthAllStacksSeconds.toFixed(2),
        ],
        ["  testSuiteSeconds", figures.testSuiteSeconds === null ? "null" : figures.testSuiteSeconds.toFixed(2)],
        ["  policyResourcesPerSecondWithSdk", formatCount(figures.policyResourcesPerSecondWithSdk), "recorded"],
        ["  policyResourcesPerSecondOverGrpc", formatCount(figures.policyResourcesPerSecondOverGrpc), "recorded"],
    ];
    process.stdout.write(`${renderTable(rows)}\n${resultLine(figures)}\n`);

    const missed =
        figures.programOverheadRatio > targets.programOverheadRatio.max ||
        figures.policyResourcesPerSecond < targets.policyResourcesPerSecond.min ||
        figures.policyScaling10kOver1k > targets.policyScaling10kOver1k.max;
    return args.check && missed ? 1 : 0;
}

if (require.main === module) {
    runCommand(main);
}
