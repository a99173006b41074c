// `npm run synth -- [--stack <name> [--facts FILE] | --all] [--out DIR]`: the offline plan of a stack. Runs index.ts
// under Pulumi's mock runtime with the stack's own config, its look-ups answered from the account FILE describes (by
// default the account the stack file describes), judges every resource with the policy pack and its stack policy config,
// prints the tree, the key policies, the verdict and a cost estimate, and writes them for review.
// Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 invalid input (nothing written).
import * as path from "path";
import { parseArgs } from "util";
import { runCommand, UsageError } from "./lib/errors";
import { AccountFacts, keptFacts, readFactsFile } from "./lib/facts";
import { PolicyHost } from "./lib/policyHost";
import { listStacks, ProgramRun, runProgram } from "./lib/programRunner";
import {
    hasMandatoryViolation,
    planStack,
    policyConfigFile,
    renderPlan,
    StackPlan,
    toReport,
    writePlan,
} from "./lib/plan";

const repoDir = path.resolve(__dirname, "..");
/** The stack planned when none is named: the cheap one anybody can try. */
export const defaultStack = "development";
/** Where the plan is written unless --out says otherwise. */
export const defaultOutDir = "out";

const usage = "usage: npm run synth -- [--stack <name> [--facts FILE] | --all] [--out DIR] [--json]";

interface SynthArgs {
    stacks: string[];
    outDir: string;
    json: boolean;
    /** The account the look-ups are answered from, when --facts names one, and the file as given. */
    facts?: { facts: AccountFacts; file: string };
}

function parse(argv: string[], projectDir: string): SynthArgs {
    let values: { stack?: string; all?: boolean; out?: string; json?: boolean; facts?: string };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                all: { type: "boolean" },
                out: { type: "string" },
                json: { type: "boolean" },
                facts: { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (error) {
        throw new UsageError(`synth: ${(error as Error).message}; ${usage}`);
    }
    if (values.stack !== undefined && values.all) {
        throw new UsageError(`synth: --stack and --all exclude each other; ${usage}`);
    }
    const known = listStacks(projectDir);
    if (values.stack !== undefined && !known.includes(values.stack)) {
        throw new UsageError(
            `synth: --stack ${JSON.stringify(values.stack)}: no Pulumi.${values.stack}.yaml; stacks: ${known.join(", ")}`,
        );
    }
    if (values.out !== undefined && values.out.trim() === "") {
        throw new UsageError(`synth: --out: an empty path; ${usage}`);
    }
    if (values.facts !== undefined && values.all) {
        throw new UsageError(`synth: --facts describes one account; use it with --stack, not --all; ${usage}`);
    }
    return {
        stacks: values.all ? known : [values.stack ?? defaultStack],
        outDir: path.resolve(values.out ?? defaultOutDir),
        json: values.json === true,
        facts: values.facts === undefined ? undefined : { facts: readFactsFile(values.facts), file: values.facts },
    };
}

/** Where synth prints; tests pass a buffer. */
export type SynthOutput = (text: string) => void;

/**
 * Plans the stacks `argv` names, of the project in `projectDir`, and returns the exit code. A user error is thrown as
 * a `UsageError` before anything is written; `runCommand` prints it as one line.
 */
export async function runSynth(
    argv: string[],
    stdout: SynthOutput = (text) => process.stdout.write(text),
    projectDir: string = repoDir,
    options: { host?: PolicyHost } = {},
): Promise<number> {
    const args = parse(argv, projectDir);
    // Every program runs before anything is judged or written: a config error in any stack leaves no files behind.
    // The account is --facts, else the stack's kept facts/<stack>.yaml, else what the stack file implies.
    const runs: { run: ProgramRun; account: string }[] = [];
    for (const stack of args.stacks) {
        const described = args.facts ?? keptFacts(projectDir, stack);
        const run = await runProgram(stack, { projectDir, facts: described?.facts });
        if (run.error !== undefined) {
            throw new UsageError(run.error);
        }
        runs.push({
            run,
            account: described?.file ?? `Pulumi.${stack}.yaml (no ${path.join("facts", `${stack}.yaml`)})`,
        });
    }
    // A host the caller passes stays the caller's to close.
    const host = options.host ?? (await PolicyHost.start());
    const plans: StackPlan[] = [];
    try {
        for (const { run, account } of runs) {
            plans.push(await planStack(run, host, projectDir, account));
        }
    } finally {
        if (options.host === undefined) {
            await host.close();
        }
    }
    const sdkVersion = (await import("@pulumi/pulumi/package.json")).version;
    for (const plan of plans) {
        const written = writePlan(args.outDir, plan, sdkVersion);
        if (args.json) {
            continue;
        }
        stdout(renderPlan(plan, path.relative(projectDir, policyConfigFile(projectDir, plan.stack))));
        stdout(`Written: ${written.map((f) => path.relative(process.cwd(), f)).join(", ")}\n\n`);
    }
    if (args.json) {
        stdout(`${JSON.stringify(plans.map(toReport), null, 2)}\n`);
    }
    const failing = plans.filter((p) => hasMandatoryViolation(p.verdict)).map((p) => p.stack);
    if (!args.json) {
        stdout(
            failing.length === 0
                ? `No mandatory policy violation in ${plans.map((p) => p.stack).join(", ")}.\n`
                : `Mandatory policy violations in ${failing.join(", ")}.\n`,
        );
    }
    return failing.length === 0 ? 0 : 1;
}

if (require.main === module) {
    runCommand((argv) => runSynth(argv));
}
