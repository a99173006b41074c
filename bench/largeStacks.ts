/**
 * The benchmark's large stacks: index.ts run under the mock runtime on a generated stack configuration of N keys, so
 * that the pack judges exactly what the program registers. Nothing here rebuilds the program's registrations.
 *
 * The configuration is a stack file of the project (production by default) with its keys repeated: key i is a copy
 * of the file's key (i mod the number of keys), named `<key>-<i>` with the alias `<alias>-<i>`. Everything else
 * (principals, windows, rotation, protections, the endpoint) is the file's own, so the pack's verdict on a large
 * stack is its verdict on the file's stack; the alerts are off (one rule cannot watch thousands of keys).
 *
 * A run of 10,000 keys takes minutes: its registrations are kept in bench/.generated/ (git-ignored) under a name that
 * hashes the program's sources and the configuration, and reused while neither changes.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ProgramRun, RegisteredResource, runProgram } from "../tools/lib/programRunner";

/** Where generated stacks are kept: git-ignored. */
export const generatedDir = path.join(__dirname, ".generated");

/** The repository's sources that decide what the program registers, and the runner that records it. */
const PROGRAM_SOURCES = ["index.ts", "program", "components", "config", "costs", "tools/lib"];
const repositoryDir = path.resolve(__dirname, "..");

/** The stack file's `config:` map with its keys repeated to `keys` keys. */
export function generatedConfig(base: Record<string, unknown>, keys: number, file: string): Record<string, unknown> {
    const templates = Object.entries((base["kms-keys:keys"] ?? {}) as Record<string, Record<string, unknown>>);
    if (templates.length === 0) {
        throw new Error(`${file}: kms-keys:keys names no key to repeat`);
    }
    const generated: Record<string, unknown> = {};
    for (let i = 0; i < keys; i++) {
        const [name, key] = templates[i % templates.length];
        generated[`${name}-${i}`] = { ...key, alias: `${String(key.alias)}-${i}` };
    }
    // One alert rule's pattern holds about 20 keys (EventBridge's 4,096 characters), so a large stack has none: the
    // benchmark measures the pack on keys.
    return { ...base, "kms-keys:keys": generated, "kms-keys:monitoring": { enabled: false } };
}

function filesUnder(root: string, entry: string): string[] {
    const full = path.join(root, entry);
    if (!fs.existsSync(full)) {
        return [];
    }
    if (fs.statSync(full).isFile()) {
        return [entry];
    }
    return fs
        .readdirSync(full)
        .sort()
        .flatMap((child) => filesUnder(root, path.join(entry, child)));
}

/**
 * A hash of the program's sources, the project's own index.ts and `config`: a kept run is reused only while all of
 * them are unchanged.
 */
export function runKey(projectDir: string, config: Record<string, unknown>): string {
    const hash = createHash("sha256");
    for (const file of PROGRAM_SOURCES.flatMap((entry) => filesUnder(repositoryDir, entry))) {
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(repositoryDir, file)))
            .update("\0");
    }
    hash.update(fs.readFileSync(path.join(projectDir, "index.ts"))).update("\0");
    hash.update(JSON.stringify(config));
    return hash.digest("hex").slice(0, 16);
}

/** A large stack: how it was made and what the program registered. */
export interface LargeStack {
    keys: number;
    label: string;
    resources: RegisteredResource[];
    /** The kept registrations. */
    file: string;
    /** Whether the run was kept from an earlier benchmark. */
    reused: boolean;
    /** Wall time of the program's run, when it ran now. */
    runMs?: number;
}

/** Runs index.ts on the stack file `stack` with its keys repeated to `keys`, as a preview, or reuses the kept run. */
export async function largeStack(
    projectDir: string,
    stack: string,
    keys: number,
    keepDir: string = generatedDir,
): Promise<LargeStack> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const base = ((YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ??
        {}) as Record<string, unknown>;
    const config = generatedConfig(base, keys, path.basename(file));
    const label = `${keys.toLocaleString("en-US")} keys`;
    const kept = path.join(keepDir, `${stack}-${keys}-keys-${runKey(projectDir, config)}.json`);
    if (fs.existsSync(kept)) {
        const resources = JSON.parse(fs.readFileSync(kept, "utf8")) as RegisteredResource[];
        return { keys, label, resources, file: kept, reused: true };
    }
    const start = process.hrtime.bigint();
    const run: ProgramRun = await runProgram(stack, { projectDir, configOverride: config });
    const runMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.error !== undefined) {
        throw new Error(`the program failed on ${label} generated from ${path.basename(file)}: ${run.error}`);
    }
    fs.mkdirSync(keepDir, { recursive: true });
    fs.writeFileSync(kept, JSON.stringify(run.resources));
    return { keys, label, resources: run.resources, file: kept, reused: false, runMs };
}
