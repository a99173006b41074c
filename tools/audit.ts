/**
 * `npm run audit -- FILE [--stack <name> | --policy-config FILE] [--json] [--policy-pack DIR]`
 *
 * Runs the policy pack over the output of `pulumi stack export` or `pulumi preview --json`, from any Pulumi program,
 * the way `pulumi preview --policy-pack policies --policy-pack-config <config>` runs it, without the Pulumi CLI,
 * a cloud account or the Pulumi service.
 *
 * Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 invalid input (one line on stderr, nothing else
 * printed); 3 the policy pack or this tool failed.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";

import { EXIT_INVALID_INPUT, UsageError } from "./lib/errors";
import { PackInfo, PolicyPackConfig, readPolicyConfigFile, resolvePolicyConfig } from "./lib/policyConfig";
import { DEFAULT_PACK_DIR, PolicyHost, PolicyPackError, PolicyVerdict, Violation } from "./lib/policyHost";
import { StateFile, parseUrn, readStateFile } from "./lib/stateReaders";

/** Exit code when the policy pack or the tool itself fails; kept apart from 1 so a crash never reads as a verdict. */
export const EXIT_TOOL_FAILURE = 3;

const USAGE = "usage: npm run audit -- FILE [--stack <name> | --policy-config FILE] [--json] [--policy-pack DIR]";

const HELP = `${USAGE}

Runs the policy pack over FILE: the output of \`pulumi stack export\` or \`pulumi preview --json\`, of any program.

  --stack <name>         the pack's config/<name>.json, the file CI passes as --policy-pack-config
  --policy-config FILE   another policy config file (neither flag: the pack's defaults)
  --json                 print {"violations": [...], "undecided": [...]} instead of a table
  --policy-pack DIR      the policy pack to run (default: policies/)

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 invalid input, 3 the policy pack failed.
Undecided checks (a value unknown in a preview, or a secret the file does not reveal) are listed, not passed.
`;

/** Where output goes; tests pass buffers. */
export interface AuditIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

/** Options for running the audit in-process. */
export interface AuditOptions {
    /** A running host to reuse instead of starting the pack (its pack folder then decides `--stack`). */
    host?: PolicyHost;
}

interface AuditArgs {
    file: string;
    stack?: string;
    policyConfig?: string;
    json: boolean;
    packDir: string;
}

function parseAuditArgs(argv: string[], defaultPackDir: string): AuditArgs | "help" {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: true,
            options: {
                stack: { type: "string" },
                "policy-config": { type: "string" },
                "policy-pack": { type: "string" },
                json: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (e) {
        // Node's messages are already one sentence ("Unknown option '--foo'..."); keep the first line.
        const first = (e as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, "");
        throw new UsageError(`audit: ${first}; ${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        return "help";
    }
    if (positionals.length !== 1) {
        const got = positionals.length === 0 ? "none" : positionals.map((p) => JSON.stringify(p)).join(", ");
        throw new UsageError(`audit: expected exactly one FILE (a stack export or preview JSON), got ${got}; ${USAGE}`);
    }
    if (values.stack !== undefined && values["policy-config"] !== undefined) {
        throw new UsageError(
            `audit: --stack and --policy-config both choose the policy config; give one of them; ${USAGE}`,
        );
    }
    for (const flag of ["stack", "policy-config", "policy-pack"] as const) {
        if (values[flag] !== undefined && values[flag].trim() === "") {
            throw new UsageError(`audit: --${flag}: "" is not allowed; give a value; ${USAGE}`);
        }
    }
    return {
        file: positionals[0],
        stack: values.stack,
        policyConfig: values["policy-config"],
        json: values.json ?? false,
        packDir: values["policy-pack"] ? path.resolve(values["policy-pack"]) : defaultPackDir,
    };
}

/** The stacks that have a policy config: `<pack>/config/<stack>.json`. */
export function knownStacks(packDir: string): string[] {
    const dir = path.join(packDir, "config");
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -".json".length))
        .sort();
}

function configFileFor(args: AuditArgs): string | undefined {
    if (args.policyConfig !== undefined) {
        return args.policyConfig;
    }
    if (args.stack === undefined) {
        return undefined;
    }
    const stacks = knownStacks(args.packDir);
    if (!stacks.includes(args.stack)) {
        const where = path.relative(process.cwd(), path.join(args.packDir, "config")) || ".";
        throw new UsageError(
            `audit: --stack: ${JSON.stringify(args.stack)} is not a stack with a policy config; valid stacks: ` +
                `${stacks.length ? stacks.join(", ") : "(none)"} (from ${where}/<stack>.json)`,
        );
    }
    return shortPath(path.join(args.packDir, "config", `${args.stack}.json`));
}

/** A path as the user would type it: relative to the working directory when it is inside it. */
function shortPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** `aws:kms/key:Key::aurora-key`, or `(stack)` for a diagnostic about no particular resource. */
function resourceLabel(urn: string | undefined): string {
    const parsed = urn ? parseUrn(urn) : undefined;
    return parsed ? `${parsed.type}::${parsed.name}` : "(stack)";
}

function oneLine(message: string): string {
    return message
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .join(" — ");
}

function table(rows: Violation[]): string {
    const header = ["POLICY", "LEVEL", "RESOURCE", "MESSAGE"];
    const cells = rows.map((v) => [v.policy, v.enforcementLevel, resourceLabel(v.urn), oneLine(v.message)]);
    const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const render = (c: string[]): string =>
        [...c.slice(0, 3).map((cell, i) => cell.padEnd(widths[i])), c[3]].join("  ");
    return [render(header), ...cells.map(render)].join("\n");
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The human report: what was read, the violations table, the undecided checks and a summary line. */
export function formatHuman(state: StateFile, pack: PackInfo, configSource: string, verdict: PolicyVerdict): string {
    const kind = state.format === "stack-export" ? "stack export" : "preview";
    const origin = state.stack ? ` of ${state.project}/${state.stack}` : "";
    const lines = [
        `Audited ${state.file} (${kind}${origin}, ${plural(state.resources.length, "resource")}) with ` +
            `${pack.name}@${pack.version} and ${configSource}.`,
        "",
    ];
    if (verdict.violations.length > 0) {
        lines.push(table(verdict.violations), "");
    } else {
        lines.push("No policy violations.", "");
    }
    if (verdict.undecided.length > 0) {
        lines.push(
            "Undecided (a value the policy needs is unknown in a preview, or a secret the file does not reveal):",
        );
        lines.push(table(verdict.undecided), "");
    }
    const mandatory = verdict.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = verdict.violations.length - mandatory;
    const counts = `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory violation")}, ${plural(verdict.undecided.length, "undecided check")}`;
    // An undecided check is not a pass, but only mandatory violations change the exit code.
    const status = mandatory > 0 ? "FAIL" : verdict.undecided.length > 0 ? "UNDECIDED" : "PASS";
    lines.push(`${status}: ${counts}.`);
    return lines.join("\n") + "\n";
}

/** The machine report. URNs are `null` when a stack policy names no resource, so every entry has the same keys. */
export function formatJson(verdict: PolicyVerdict): string {
    const entry = (v: Violation): Record<string, unknown> => ({
        policy: v.policy,
        enforcementLevel: v.enforcementLevel,
        urn: v.urn ?? null,
        message: v.message,
    });
    return (
        JSON.stringify(
            { violations: verdict.violations.map(entry), undecided: verdict.undecided.map(entry) },
            null,
            2,
        ) + "\n"
    );
}

/**
 * Runs the audit and returns the exit code. User errors are thrown as `UsageError` before anything is printed;
 * the caller decides how to report them.
 */
export async function runAudit(argv: string[], io: AuditIO, options: AuditOptions = {}): Promise<number> {
    const args = parseAuditArgs(argv, options.host?.packDir ?? DEFAULT_PACK_DIR);
    if (args === "help") {
        io.stdout(HELP);
        return 0;
    }
    // Everything that can be checked without the pack is checked first, so bad input fails fast and prints nothing.
    if (!options.host && !fs.existsSync(path.join(args.packDir, "package.json"))) {
        throw new UsageError(
            `audit: --policy-pack: ${JSON.stringify(shortPath(args.packDir))} is not a policy pack (it has no package.json)`,
        );
    }
    const configFile = configFileFor(args);
    const state = readStateFile(args.file);
    const rawConfig = configFile === undefined ? undefined : readPolicyConfigFile(configFile);

    const host = options.host ?? (await PolicyHost.start(args.packDir));
    try {
        const pack = await host.pack();
        const config: PolicyPackConfig =
            configFile === undefined
                ? resolvePolicyConfig(undefined, pack)
                : resolvePolicyConfig(rawConfig, pack, configFile);
        const verdict = await host.analyze(state.resources, config);
        io.stdout(
            args.json
                ? formatJson(verdict)
                : formatHuman(
                      state,
                      pack,
                      configFile === undefined ? "the pack's default config" : configFile,
                      verdict,
                  ),
        );
        return verdict.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    } finally {
        if (!options.host) {
            await host.close();
        }
    }
}

const processIO: AuditIO = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/**
 * Entry point: prints user errors as one line, and keeps stack traces for real failures. Tests call it in-process
 * with buffers for `io`, and a running pack for `options.host`.
 */
export async function main(argv: string[], io: AuditIO = processIO, options: AuditOptions = {}): Promise<number> {
    try {
        return await runAudit(argv, io, options);
    } catch (e) {
        if (UsageError.isInstance(e)) {
            io.stderr(`${e.message}\n`);
            return e.exitCode ?? EXIT_INVALID_INPUT;
        }
        if (e instanceof PolicyPackError) {
            io.stderr(`audit: ${e.message}\n`);
            return EXIT_TOOL_FAILURE;
        }
        io.stderr(`audit: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
        return EXIT_TOOL_FAILURE;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
