/**
 * Golden files: what the program registers for each of the tests' own stacks (test/fixtures/project), written down by
 * running the program under Pulumi's mock runtime, once as a preview and once as an update. Specs that need "the
 * resources this program creates" read them from here instead of rebuilding them by hand, and golden.spec.ts fails
 * when the program's registrations change without the files being regenerated and reviewed.
 *
 * `npm run golden` rewrites the files; `npm run golden -- --check` exits 1 when a file is out of date.
 */
import * as fs from "fs";
import * as path from "path";

import { listStacks, RegisteredResource } from "../../tools/lib/programRunner";
import { ResourceSpec, resourceSpecOf } from "../helpers/policyHarness";
import { fixtureProjectDir, runFixture } from "../helpers/stackConfig";

/** Where the golden files live, one per fixture stack. */
export const goldenDir = path.resolve(__dirname, "..", "fixtures", "golden");

/** The two moments a golden file records. */
export type Stage = "preview" | "update";

/** One registration as a golden file records it: a policy pack's view of it. */
export type GoldenResource = ResourceSpec & { custom: boolean; retainOnDelete: boolean };

/** A golden file: the stack's registrations at each stage and its outputs after the update. */
export interface Golden {
    stack: string;
    preview: GoldenResource[];
    update: GoldenResource[];
    outputs: Record<string, unknown>;
}

/** Inputs and outputs whose value is a JSON policy document: kept parsed in the file, so a review reads them. */
const POLICY_PROPERTIES = new Set(["policy"]);

function mapPolicies(
    props: Record<string, unknown> | undefined,
    convert: (value: unknown) => unknown,
): Record<string, unknown> | undefined {
    if (props === undefined) {
        return undefined;
    }
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, POLICY_PROPERTIES.has(k) ? convert(v) : v]));
}

function parsePolicy(value: unknown): unknown {
    if (typeof value !== "string") {
        return value;
    }
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}

function stringifyPolicy(value: unknown): unknown {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : value;
}

function recorded(r: RegisteredResource): GoldenResource {
    const spec = resourceSpecOf(r);
    return {
        ...spec,
        custom: r.custom,
        retainOnDelete: r.retainOnDelete,
        inputs: mapPolicies(spec.inputs, parsePolicy)!,
        outputs: mapPolicies(spec.outputs, parsePolicy),
    };
}

/** Runs the program for one fixture stack, as a preview and as an update, into a golden document. */
export async function renderGolden(stack: string): Promise<Golden> {
    const preview = await runFixture(stack);
    const update = await runFixture(stack, { update: true });
    for (const run of [preview, update]) {
        if (run.error !== undefined) {
            throw new Error(`fixture stack ${stack}: ${run.error}`);
        }
    }
    return {
        stack,
        preview: preview.resources.map(recorded),
        update: update.resources.map(recorded),
        outputs: update.outputs,
    };
}

/** The golden file of a fixture stack. */
export function goldenFile(stack: string): string {
    return path.join(goldenDir, `${stack}.json`);
}

/** A golden document as the file holds it (policies parsed). */
export function readGolden(stack: string): Golden {
    return JSON.parse(fs.readFileSync(goldenFile(stack), "utf8")) as Golden;
}

/** The text a golden file holds for `golden`. */
export function goldenText(golden: Golden): string {
    return `${JSON.stringify(golden, null, 2)}\n`;
}

/**
 * The registrations of a fixture stack at `stage`, as the program's policy inputs carry them (policy documents as
 * JSON strings): a fresh copy a spec may change.
 */
export function goldenResources(stack: string, stage: Stage): ResourceSpec[] {
    return readGolden(stack)[stage].map((r) => ({
        ...r,
        inputs: mapPolicies(r.inputs, stringifyPolicy)!,
        outputs: mapPolicies(r.outputs, stringifyPolicy),
    }));
}

/** The fixture stacks, in the order of their files' names. */
export function fixtureStacks(): string[] {
    return listStacks(fixtureProjectDir);
}

async function main(argv: string[]): Promise<number> {
    const check = argv.includes("--check");
    const unknown = argv.filter((a) => a !== "--check");
    if (unknown.length > 0) {
        process.stderr.write(`golden: unknown argument ${JSON.stringify(unknown[0])}; allowed: --check\n`);
        return 2;
    }
    fs.mkdirSync(goldenDir, { recursive: true });
    let stale = 0;
    for (const stack of fixtureStacks()) {
        const text = goldenText(await renderGolden(stack));
        const file = goldenFile(stack);
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (current === text) {
            continue;
        }
        if (check) {
            process.stderr.write(`${path.relative(process.cwd(), file)} is out of date: run npm run golden\n`);
            stale++;
        } else {
            fs.writeFileSync(file, text);
            process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
        }
    }
    return stale > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
        },
    );
}
