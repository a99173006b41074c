// `npm run bench:engine -- [--reps N] [--stack NAME]`
//
// What the real Pulumi CLI pays for this program and its policy pack: `pulumi preview` of index.ts against a
// preview of an empty program (same CLI), and `pulumi preview --policy-pack policies` against the same preview
// without the pack (the pack's CLI), each also with PULUMI_NODEJS_TRANSPILE_ONLY, which skips TypeScript's
// type-check. Runs are interleaved (one of each variant per round) and the median of each is reported, with the CLI
// version of each figure. The last line is one JSON object with the figures.
//
// Exit codes: 0 measured; 1 a run failed (its output is printed); 2 invalid arguments.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatMs, median, renderTable, Row } from "./figures";
import { CliResult, formatRun, sharedEngine, Workspace } from "../test/e2e/harness";
import { runCommand, UsageError } from "../tools/lib/errors";
import { cliVersion, Engine } from "../tools/lib/engine";
import { listStacks } from "../tools/lib/programRunner";

const projectDir = path.resolve(__dirname, "..");
const usage = "usage: npm run bench:engine -- [--reps N] [--stack NAME]";

/** One measured command: which workspace, which CLI, with or without the pack and type-checking. */
export interface EngineVariant {
    name: string;
    program: "index.ts" | "empty";
    cli: "program" | "policy";
    pack: boolean;
    transpileOnly: boolean;
}

/** The variants, in the order of a round. */
export const engineVariants: readonly EngineVariant[] = [
    { name: "preview index.ts", program: "index.ts", cli: "program", pack: false, transpileOnly: false },
    { name: "preview empty program", program: "empty", cli: "program", pack: false, transpileOnly: false },
    { name: "preview index.ts, transpile-only", program: "index.ts", cli: "program", pack: false, transpileOnly: true },
    { name: "preview without pack", program: "index.ts", cli: "policy", pack: false, transpileOnly: false },
    { name: "preview --policy-pack", program: "index.ts", cli: "policy", pack: true, transpileOnly: false },
    {
        name: "preview --policy-pack, transpile-only",
        program: "index.ts",
        cli: "policy",
        pack: true,
        transpileOnly: true,
    },
];

export function parseEngineBenchArgs(argv: string[]): { reps: number; stack: string } {
    let values: { reps?: string; stack?: string };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: { reps: { type: "string" }, stack: { type: "string" } },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new UsageError(`bench:engine: ${(error as Error).message}; ${usage}`);
    }
    const reps = values.reps === undefined ? 5 : Number(values.reps);
    if (!Number.isInteger(reps) || reps < 1 || reps > 100) {
        throw new UsageError(`bench:engine: --reps ${JSON.stringify(values.reps)}: expected an integer from 1 to 100`);
    }
    const stacks = listStacks(projectDir);
    const stack = values.stack ?? "development";
    if (!stacks.includes(stack)) {
        throw new UsageError(
            `bench:engine: --stack ${JSON.stringify(stack)}: no Pulumi.${stack}.yaml; stacks: ${stacks.join(", ")}`,
        );
    }
    return { reps, stack };
}

/** One run of a variant: the pack's preview as CI runs it, or a plain preview under the variant's CLI. */
function runVariant(workspace: Workspace, variant: EngineVariant): CliResult {
    const env = { PULUMI_NODEJS_TRANSPILE_ONLY: String(variant.transpileOnly) };
    return variant.pack
        ? workspace.previewWithPack(env)
        : workspace.pulumi(["preview", "--stack", workspace.stack], { cli: variant.cli, env });
}

/** What `measureEngine` found: the medians per variant and the two ratios the benchmark reports. */
export interface EngineFigures {
    stack: string;
    reps: number;
    cli: { program: string; policy: string };
    medianMs: Record<string, number>;
    cliPreviewProgramRatio: number;
    cliPreviewPackRatio: number;
    transpileOnlySavesMs: { program: number; pack: number };
}

/**
 * Runs every variant once per round for `reps` rounds, in workspaces of its own (the end-to-end suite's), and
 * returns the medians. A failed run throws, with the run's output in the message.
 */
export function measureEngine(
    engine: Engine,
    stack: string,
    reps: number,
    log: (line: string) => void = () => undefined,
): EngineFigures {
    const workspaces = {
        "index.ts": new Workspace(engine, stack),
        empty: new Workspace(engine, stack, {
            edit: (dir) => fs.writeFileSync(path.join(dir, "index.ts"), "export = async () => ({});\n"),
        }),
    };
    const samples = new Map<string, number[]>(engineVariants.map((v) => [v.name, []]));
    try {
        for (const workspace of Object.values(workspaces)) {
            const init = workspace.init();
            if (init.status !== 0) {
                throw new Error(`stack init failed\n${formatRun(init)}`);
            }
        }
        for (let round = 0; round < reps; round++) {
            for (const variant of engineVariants) {
                const start = process.hrtime.bigint();
                const result = runVariant(workspaces[variant.program], variant);
                const ms = Number(process.hrtime.bigint() - start) / 1e6;
                if (result.status !== 0) {
                    throw new Error(`${variant.name} failed\n${formatRun(result)}`);
                }
                samples.get(variant.name)?.push(ms);
                log(`round ${round + 1}/${reps}: ${variant.name} ${formatMs(ms)}`);
            }
        }
    } finally {
        Object.values(workspaces).forEach((w) => w.dispose());
    }
    const med = (name: string) => median(samples.get(name) ?? []);
    return {
        stack,
        reps,
        cli: { program: cliVersion(engine.programCli), policy: cliVersion(engine.policyCli) },
        medianMs: Object.fromEntries(engineVariants.map((v) => [v.name, Math.round(med(v.name))])),
        cliPreviewProgramRatio: med("preview index.ts") / med("preview empty program"),
        cliPreviewPackRatio: med("preview --policy-pack") / med("preview without pack"),
        transpileOnlySavesMs: {
            program: med("preview index.ts") - med("preview index.ts, transpile-only"),
            pack: med("preview --policy-pack") - med("preview --policy-pack, transpile-only"),
        },
    };
}

/** The table of `measureEngine`'s figures. */
export function engineRows(figures: EngineFigures): Row[] {
    const rows: Row[] = [[`pulumi preview of the ${figures.stack} stack, median of ${figures.reps} interleaved runs`]];
    for (const variant of engineVariants) {
        rows.push([`  ${variant.name}`, formatMs(figures.medianMs[variant.name]), `CLI ${figures.cli[variant.cli]}`]);
    }
    rows.push(
        ["  index.ts / empty program", figures.cliPreviewProgramRatio.toFixed(2), `CLI ${figures.cli.program}`],
        ["  with pack / without pack", figures.cliPreviewPackRatio.toFixed(2), `CLI ${figures.cli.policy}`],
    );
    return rows;
}

async function main(argv: string[]): Promise<number> {
    const { reps, stack } = parseEngineBenchArgs(argv);
    let figures: EngineFigures;
    try {
        figures = measureEngine(sharedEngine(), stack, reps, (line) => process.stderr.write(`${line}\n`));
    } catch (error) {
        process.stderr.write(`bench:engine: ${(error as Error).message}\n`);
        return 1;
    }
    process.stdout.write(`${renderTable(engineRows(figures))}\n${JSON.stringify(figures)}\n`);
    return 0;
}

if (require.main === module) {
    runCommand(main);
}
