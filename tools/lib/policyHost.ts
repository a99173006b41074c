/**
 * Runs a CrossGuard policy pack the way the Pulumi engine does, without the Pulumi CLI.
 *
 * The engine starts a policy pack as a child process in the pack's folder; `new PolicyPack(...)` reads the folder's
 * package.json, starts a gRPC `Analyzer` server and prints its port on stdout. The engine then speaks to it over
 * gRPC: `GetAnalyzerInfo` once, `Configure` with the resolved policy config, `Remediate` and `Analyze` for every
 * resource the program registers (with the resource's inputs), and `AnalyzeStack` once with every resource (with
 * the resource's outputs, or the planned state in a preview). `PolicyHost` does exactly that, so the verdict comes
 * from the real `@pulumi/policy` server code, not from a re-implementation of it.
 *
 * Properties are marshalled as the engine marshals them for analyzers (`MarshalOptions{KeepUnknowns, KeepSecrets,
 * SkipInternalKeys}` in sdk/go/common/resource/plugin/analyzer_plugin.go): unknowns as the unknown sentinel string,
 * secrets as signature objects, keys starting with `__` (such as `__defaults` and `__meta`) dropped, resource
 * references as their ID (or URN for components).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

import {
    EnforcementLevel,
    JsonSchema,
    PackInfo,
    PolicyInfo,
    PolicyPackConfig,
    resolvePolicyConfig,
} from "./policyConfig";

export type { EnforcementLevel, PackInfo, PolicyInfo, PolicyPackConfig } from "./policyConfig";

// The analyzer client must use the very grpc-js copy that @pulumi/pulumi's generated stubs were built against.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcTypes;

/** The engine's marker for a value that is not known until the update runs (sdk `UnknownStringValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/**
 * What an unreadable secret becomes: `@pulumi/policy`'s "unknown object" sentinel. The pack treats it like any
 * unknown (reading it throws `UnknownValueError`, so a policy that needs it cannot pass), but the engine never sends
 * it, so it stays distinguishable from a value a preview cannot know: the error's `unknownTypeSentinel` tells them
 * apart, and so does its message ("Object value at ...").
 */
export const UNREADABLE_SECRET = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";
/** Key that marks a special value (secret, asset, resource reference...) in serialized property maps. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Signature of a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** Where the project's pack lives. */
export const DEFAULT_PACK_DIR = path.resolve(__dirname, "..", "..", "policies");
const ROOT_TSCONFIG = path.resolve(__dirname, "..", "..", "tsconfig.json");

/** Analyze calls in flight at once: enough to keep the pack's event loop busy without flooding it. */
const ANALYZE_CONCURRENCY = 64;
/** The server accepts 400 MB messages; a large stack's AnalyzeStack request can be big. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;
const START_TIMEOUT_MS = 120_000;
const STDERR_TAIL_BYTES = 64 * 1024;

/**
 * A resource as the engine presents it to analyzers. `inputs` and `outputs` hold serialized property values as state
 * files hold them: plain JSON plus signature objects for secrets (`value`, `plaintext` or `ciphertext`), assets and
 * resource references, and the unknown sentinel for values a preview cannot know.
 */
export interface AnalyzedResource {
    urn: string;
    type: string;
    name: string;
    /** false for component resources and the root stack. */
    custom: boolean;
    /** What the program passed (after the provider's Check): `Analyze` sees these. */
    inputs: Record<string, unknown>;
    /** What the provider returned, or the planned state in a preview: `AnalyzeStack` sees these. */
    outputs: Record<string, unknown>;
    parent?: string;
    protect: boolean;
    retainOnDelete?: boolean;
    /** Provider reference, `<provider URN>::<provider ID>`. */
    provider?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** Resource options the engine also passes on. */
    aliases?: string[];
    ignoreChanges?: string[];
    additionalSecretOutputs?: string[];
    customTimeouts?: { create?: number; update?: number; delete?: number };
    /** Read with `.get()` rather than managed: the engine does not send it to `Analyze`, only to `AnalyzeStack`. */
    external?: boolean;
}

/** One policy diagnostic. */
export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** The resource it is about; stack policies may report none. */
    urn?: string;
    /** As the pack reports it: the policy's description, then the detail on the next line. */
    message: string;
}

/** The outcome of running the pack over a set of resources. */
export interface PolicyVerdict {
    violations: Violation[];
    /**
     * Policies that could not decide because a value they read was unknown (a preview) or unreadable (an encrypted
     * secret). The pack reports these as advisory "can't run policy ... during preview" diagnostics; they are kept
     * apart so that an unreadable value never counts as a pass.
     */
    undecided: Violation[];
}

/** The pack failed to start or crashed; the message carries its stderr. */
export class PolicyPackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyPackError";
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Property marshalling

/**
 * Converts a serialized property value into what the engine sends an analyzer. Returns `undefined` for values the
 * engine drops. Secrets that cannot be read become unknowns, so a policy that reads them cannot pass.
 */
function toWire(value: unknown): unknown {
    if (value === undefined || value === null || typeof value !== "object") {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((element) => toWire(element) ?? null);
    }
    const sig = (value as Record<string, unknown>)[SIG_KEY];
    if (sig === SECRET_SIG) {
        const secret = value as Record<string, unknown>;
        if ("value" in secret) {
            return { [SIG_KEY]: SECRET_SIG, value: toWire(secret["value"]) ?? null };
        }
        if (typeof secret["plaintext"] === "string") {
            // `pulumi stack export --show-secrets` writes the secret's serialized value as a JSON string.
            try {
                const parsed = JSON.parse(secret["plaintext"]) as unknown;
                return { [SIG_KEY]: SECRET_SIG, value: toWire(parsed) ?? null };
            } catch {
                // Not JSON after all: as unreadable as a ciphertext.
            }
        }
        // An encrypted secret (`ciphertext`) or a masked one: nobody here can read it.
        return UNREADABLE_SECRET;
    }
    if (sig === RESOURCE_REFERENCE_SIG) {
        // Without KeepResources the engine sends a reference as the resource's ID, or its URN when it has none.
        const ref = value as Record<string, unknown>;
        return typeof ref["id"] === "string" && ref["id"] !== "" ? ref["id"] : ref["urn"];
    }
    if (sig === OUTPUT_VALUE_SIG) {
        const output = value as Record<string, unknown>;
        if (!("value" in output)) {
            return UNKNOWN;
        }
        const inner = toWire(output["value"]) ?? null;
        return output["secret"] === true ? { [SIG_KEY]: SECRET_SIG, value: inner } : inner;
    }
    if (sig !== undefined) {
        // Assets and archives: the pack's deserializer knows them.
        return value;
    }
    const out: Record<string, unknown> = {};
    for (const [key, element] of Object.entries(value)) {
        // SkipInternalKeys: provider bookkeeping such as `__defaults` and `__meta` never reaches analyzers.
        if (key.startsWith("__")) {
            continue;
        }
        const wire = toWire(element);
        if (wire !== undefined) {
            out[key] = wire;
        }
    }
    return out;
}

function toStruct(properties: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(toWire(properties) as Record<string, never>);
}

/** The provider URN of a provider reference (`<urn>::<id>`). */
export function providerUrn(reference: string): string {
    const cut = reference.lastIndexOf("::");
    return cut > 0 ? reference.slice(0, cut) : reference;
}

// ---------------------------------------------------------------------------------------------------------------
// Enforcement levels and diagnostics

const levelToProto: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
};

/** An enforcement level as the analyzer protocol encodes it, by name. */
export function levelFromProto(level: analyzerpb.EnforcementLevel): EnforcementLevel {
    switch (level) {
        case analyzerpb.EnforcementLevel.MANDATORY:
            return "mandatory";
        case analyzerpb.EnforcementLevel.REMEDIATE:
            return "remediate";
        case analyzerpb.EnforcementLevel.DISABLED:
            return "disabled";
        default:
            return "advisory";
    }
}

const CANNOT_RUN = /^(can't run (?:policy|remediation) '[^']*' from policy pack '[^']*') during preview: (.*)$/s;
/** `@pulumi/policy`'s message for reading the unreadable-secret sentinel. */
const UNREADABLE_AT = /^Object value at \.(.*) can't be known during preview$/s;

/** Files one diagnostic as a violation, or as undecided when the policy could not run. */
function classify(
    diagnostic: { policy: string; level: EnforcementLevel; message: string; urn?: string },
    verdict: PolicyVerdict,
): void {
    // The engine reports a violation of a policy running at "remediate" that still fires as mandatory.
    const level = diagnostic.level === "remediate" ? "mandatory" : diagnostic.level;
    const cannotRun = level === "advisory" ? CANNOT_RUN.exec(diagnostic.message) : null;
    if (!cannotRun) {
        verdict.violations.push({
            policy: diagnostic.policy,
            enforcementLevel: level,
            urn: diagnostic.urn,
            message: diagnostic.message,
        });
        return;
    }
    let message = diagnostic.message;
    const unreadableAt = UNREADABLE_AT.exec(cannotRun[2]);
    if (unreadableAt) {
        message = `${cannotRun[1]}: the value at .${unreadableAt[1]} is a secret that this file does not reveal`;
    }
    verdict.undecided.push({ policy: diagnostic.policy, enforcementLevel: level, urn: diagnostic.urn, message });
}

/** Code-unit order, not locale order: the verdict must sort the same on every machine. */
function compareText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders violations by policy name, then URN, then message. */
export function compareViolations(a: Violation, b: Violation): number {
    return (
        compareText(a.policy, b.policy) ||
        compareText(a.urn ?? "", b.urn ?? "") ||
        compareText(a.message, b.message) ||
        compareText(a.enforcementLevel, b.enforcementLevel)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Process management

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) {
        return;
    }
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const child of liveChildren) {
            child.kill();
        }
    });
}

/**
 * Loaded into the pack process before the pack: ends the pack if this process goes away without closing it (for
 * example killed by a CI timeout), so no gRPC server is left running on its own.
 */
const ORPHAN_WATCH = "const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(0)},1000).unref();\n";

/** Writes the orphan watch to a file once: `node -r` only loads files (`--import` would switch the pack to ESM). */
function orphanWatchFile(): string {
    const file = path.join(os.tmpdir(), `policy-host-orphan-watch-${process.getuid?.() ?? "user"}.js`);
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== ORPHAN_WATCH) {
        // Write aside and rename: another process may be starting a pack from the same file right now.
        const staging = `${file}.${process.pid}`;
        fs.writeFileSync(staging, ORPHAN_WATCH);
        fs.renameSync(staging, file);
    }
    return file;
}

function promisify<Req, Res>(
    client: analyzerrpc.AnalyzerClient,
    method: (req: Req, cb: (err: grpcTypes.ServiceError | null, res: Res) => void) => unknown,
): (req: Req) => Promise<Res> {
    return (req) =>
        new Promise<Res>((resolve, reject) => {
            method.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
        });
}

async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/**
 * A running policy pack. Start it once and reuse it: every `analyze()` call configures the pack afresh, so one
 * process serves any number of stacks and configs.
 */
export class PolicyHost {
    private readonly calls: {
        analyze: (req: analyzerpb.AnalyzeRequest) => Promise<analyzerpb.AnalyzeResponse>;
        analyzeStack: (req: analyzerpb.AnalyzeStackRequest) => Promise<analyzerpb.AnalyzeResponse>;
        remediate: (req: analyzerpb.AnalyzeRequest) => Promise<analyzerpb.RemediateResponse>;
        configure: (req: analyzerpb.ConfigureAnalyzerRequest) => Promise<unknown>;
        getAnalyzerInfo: (req: Empty) => Promise<analyzerpb.AnalyzerInfo>;
    };
    private packInfo?: Promise<PackInfo>;
    private closed = false;
    // Serializes analyze() calls: Configure sets pack-wide state, so two overlapping runs would see each other's config.
    private queue: Promise<unknown> = Promise.resolve();

    private constructor(
        private readonly child: ChildProcess,
        private readonly client: analyzerrpc.AnalyzerClient,
        private readonly stderrTail: () => string,
        /** The folder the pack runs in. */
        readonly packDir: string,
    ) {
        this.calls = {
            analyze: promisify(client, client.analyze),
            analyzeStack: promisify(client, client.analyzeStack),
            remediate: promisify(client, client.remediate),
            configure: promisify(client, client.configure),
            getAnalyzerInfo: promisify(client, client.getAnalyzerInfo),
        };
    }

    /**
     * Starts the pack in `packDir` (default: the project's `policies/` folder) as the CLI does, and connects to it.
     * Throws a `PolicyPackError` carrying the pack's stderr if it does not come up.
     */
    static async start(packDir: string = DEFAULT_PACK_DIR): Promise<PolicyHost> {
        const dir = path.resolve(packDir);
        if (!fs.existsSync(path.join(dir, "package.json"))) {
            throw new PolicyPackError(`no policy pack at ${dir}: it has no package.json`);
        }
        const tsconfig = fs.existsSync(path.join(dir, "tsconfig.json"))
            ? path.join(dir, "tsconfig.json")
            : ROOT_TSCONFIG;
        installExitHook();
        // "." lets Node resolve the pack's entry point from its package.json, as the CLI's run-policy-pack does.
        const child = spawn(
            process.execPath,
            ["-r", orphanWatchFile(), "-r", require.resolve("ts-node/register/transpile-only"), "."],
            {
                cwd: dir,
                env: { ...process.env, TS_NODE_PROJECT: tsconfig, TS_NODE_TRANSPILE_ONLY: "true" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        liveChildren.add(child);
        child.on("exit", () => liveChildren.delete(child));

        let stderr = "";
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (chunk: string) => {
            stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
        });
        const stderrTail = (): string => stderr.trim();

        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const fail = (why: string): void => {
                clearTimeout(timer);
                child.kill();
                const detail = stderrTail() || stdout.trim();
                reject(new PolicyPackError(`policy pack at ${dir} ${why}${detail ? `:\n${detail}` : ""}`));
            };
            const timer = setTimeout(
                () => fail(`did not print its port within ${START_TIMEOUT_MS / 1000}s`),
                START_TIMEOUT_MS,
            );
            child.stdout?.setEncoding("utf8");
            const onData = (chunk: string): void => {
                stdout += chunk;
                const line = stdout.split("\n").find((l) => /^\d+$/.test(l.trim()));
                if (line !== undefined) {
                    clearTimeout(timer);
                    child.stdout?.off("data", onData);
                    child.off("exit", onExit);
                    // Keep draining stdout so a chatty pack never blocks on a full pipe.
                    child.stdout?.resume();
                    resolve(Number(line.trim()));
                }
            };
            const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
                // Give stderr a moment to drain so the error shows why.
                void setTimeout(() => fail(`failed to start (exit ${code ?? signal})`), 50);
            child.stdout?.on("data", onData);
            child.on("exit", onExit);
            child.on("error", (e) => fail(`could not be run (${e.message})`));
        });

        const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        });
        const host = new PolicyHost(child, client, stderrTail, dir);
        await host.pack();
        return host;
    }

    /** The pack process's id, while it runs. */
    get pid(): number | undefined {
        return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
    }

    /** The pack's name, version, policies and initial config (fetched once with `GetAnalyzerInfo`). */
    pack(): Promise<PackInfo> {
        this.packInfo ??= this.guard("GetAnalyzerInfo", () => this.calls.getAnalyzerInfo(new Empty())).then(toPackInfo);
        return this.packInfo;
    }

    /** The pack's policies: names, descriptions, default enforcement levels and config schemas. */
    async info(): Promise<PolicyInfo[]> {
        return (await this.pack()).policies;
    }

    /**
     * Runs every policy over `resources` with `config`, as `pulumi preview --policy-pack` would: `Configure`, then
     * `Remediate` (only when a policy runs at "remediate") and `Analyze` per resource, then `AnalyzeStack`.
     * Policies missing from `config` run with their defaults.
     */
    analyze(resources: AnalyzedResource[], config: PolicyPackConfig): Promise<PolicyVerdict> {
        const run = this.queue.then(() => this.runAnalysis(resources, config));
        this.queue = run.catch(() => undefined);
        return run;
    }

    /** Stops the pack process. Safe to call twice. */
    async close(): Promise<void> {
        if (this.closed) {
            return;
        }
        this.closed = true;
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
            this.child.kill();
            await exited;
        }
        liveChildren.delete(this.child);
    }

    private async runAnalysis(resources: AnalyzedResource[], config: PolicyPackConfig): Promise<PolicyVerdict> {
        const pack = await this.pack();
        const resolved: PolicyPackConfig = { ...resolvePolicyConfig(undefined, pack), ...config };

        const configure = configureRequestFor(resolved);
        await this.guard("Configure", () => this.calls.configure(configure));

        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const providerFor = providerLookup(resources);

        const verdict: PolicyVerdict = { violations: [], undecided: [] };
        const remediating = pack.policies.some(
            (p) => p.kind === "resource" && resolved[p.name]?.enforcementLevel === "remediate",
        );

        // Analyze: every resource the program registers, with its inputs. Resources read with `.get()` are not
        // registered, so the engine never sends them here.
        const analyzed = resources.filter((r) => !r.external);
        await mapPool(analyzed, ANALYZE_CONCURRENCY, async (r) => {
            const request = analyzeRequestFor(r, providerFor);

            if (remediating) {
                const remediated = await this.guard(`Remediate(${r.urn})`, () => this.calls.remediate(request));
                for (const remediation of remediated.getRemediationsList()) {
                    const diagnostic = remediation.getDiagnostic();
                    if (diagnostic) {
                        classify(
                            { policy: remediation.getPolicyname(), level: "advisory", message: diagnostic, urn: r.urn },
                            verdict,
                        );
                    }
                    const properties = remediation.getProperties();
                    if (properties) {
                        // Later analyzers see the remediated inputs, as in a deployment.
                        request.setProperties(properties);
                    }
                }
            }

            const response = await this.guard(`Analyze(${r.urn})`, () => this.calls.analyze(request));
            for (const d of response.getDiagnosticsList()) {
                // The engine files every diagnostic of a resource under that resource.
                classify(
                    {
                        policy: d.getPolicyname(),
                        level: levelFromProto(d.getEnforcementlevel()),
                        message: d.getMessage(),
                        urn: r.urn,
                    },
                    verdict,
                );
            }
        });

        // AnalyzeStack: every resource, with its outputs (the planned state in a preview).
        const stackRequest = analyzeStackRequestFor(resources, providerFor);
        const stackResponse = await this.guard("AnalyzeStack", () => this.calls.analyzeStack(stackRequest));
        const rootStack = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
        for (const d of stackResponse.getDiagnosticsList()) {
            // Like the engine: a URN that is not in the stack is filed under the root stack.
            const urn = byUrn.has(d.getUrn()) ? d.getUrn() : rootStack;
            classify(
                {
                    policy: d.getPolicyname(),
                    level: levelFromProto(d.getEnforcementlevel()),
                    message: d.getMessage(),
                    urn,
                },
                verdict,
            );
        }

        verdict.violations.sort(compareViolations);
        verdict.undecided.sort(compareViolations);
        return verdict;
    }

    /** Runs one RPC; if it fails, says which and adds what the pack wrote to stderr. */
    private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
        if (this.closed) {
            throw new PolicyPackError(`policy pack at ${this.packDir} is closed`);
        }
        try {
            return await call();
        } catch (e) {
            const details = (e as grpcTypes.ServiceError).details ?? (e as Error).message;
            const stderr = this.stderrTail();
            throw new PolicyPackError(
                `policy pack at ${this.packDir} failed in ${what}: ${details}${stderr ? `\npack stderr:\n${stderr}` : ""}`,
            );
        }
    }
}

/** The `Configure` request for a resolved policy pack config: each policy's enforcement level and properties. */
export function configureRequestFor(config: PolicyPackConfig): analyzerpb.ConfigureAnalyzerRequest {
    const configure = new analyzerpb.ConfigureAnalyzerRequest();
    const configMap = configure.getPolicyconfigMap();
    for (const [name, entry] of Object.entries(config)) {
        const policyConfig = new analyzerpb.PolicyConfig();
        policyConfig.setEnforcementlevel(levelToProto[entry.enforcementLevel]);
        // The pack reads the properties of every entry it gets, so an empty Struct is sent rather than none.
        policyConfig.setProperties(Struct.fromJavaScript(entry.properties as Record<string, never>));
        configMap.set(name, policyConfig);
    }
    return configure;
}

/** Describes a resource's provider to policies, as the engine does; one lookup serves the resources of one stack. */
export type ProviderLookup = (r: AnalyzedResource) => analyzerpb.AnalyzerProviderResource | undefined;

/** The provider lookup for the resources of one stack: a provider is found among them by its URN. */
export function providerLookup(resources: readonly AnalyzedResource[]): ProviderLookup {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const providers = new Map<string, analyzerpb.AnalyzerProviderResource | undefined>();
    return (r: AnalyzedResource): analyzerpb.AnalyzerProviderResource | undefined => {
        if (!r.provider) {
            return undefined;
        }
        const urn = providerUrn(r.provider);
        if (!providers.has(urn)) {
            const state = byUrn.get(urn);
            let message: analyzerpb.AnalyzerProviderResource | undefined;
            if (state) {
                message = new analyzerpb.AnalyzerProviderResource();
                message.setUrn(state.urn);
                message.setType(state.type);
                message.setName(state.name);
                // Like the engine, a provider is described to policies by its inputs.
                message.setProperties(toStruct(state.inputs));
            }
            providers.set(urn, message);
        }
        return providers.get(urn);
    };
}

/** The `Analyze` request the engine sends for a resource: its inputs, options and provider. */
export function analyzeRequestFor(r: AnalyzedResource, providerFor: ProviderLookup): analyzerpb.AnalyzeRequest {
    const request = new analyzerpb.AnalyzeRequest();
    request.setUrn(r.urn);
    request.setType(r.type);
    request.setName(r.name);
    request.setProperties(toStruct(r.inputs));
    request.setOptions(resourceOptions(r));
    const provider = providerFor(r);
    if (provider) {
        request.setProvider(provider);
    }
    return request;
}

/** The `AnalyzeStack` request the engine sends: every resource with its outputs, options, provider and links. */
export function analyzeStackRequestFor(
    resources: readonly AnalyzedResource[],
    providerFor: ProviderLookup,
): analyzerpb.AnalyzeStackRequest {
    const stackRequest = new analyzerpb.AnalyzeStackRequest();
    stackRequest.setResourcesList(
        resources.map((r) => {
            const message = new analyzerpb.AnalyzerResource();
            message.setUrn(r.urn);
            message.setType(r.type);
            message.setName(r.name);
            message.setProperties(toStruct(r.outputs));
            message.setOptions(resourceOptions(r));
            const provider = providerFor(r);
            if (provider) {
                message.setProvider(provider);
            }
            message.setParent(r.parent ?? "");
            message.setDependenciesList(r.dependencies);
            const propertyDependencies = message.getPropertydependenciesMap();
            for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                // The engine leaves out properties that depend on nothing.
                if (urns.length > 0) {
                    const deps = new analyzerpb.AnalyzerPropertyDependencies();
                    deps.setUrnsList(urns);
                    propertyDependencies.set(key, deps);
                }
            }
            return message;
        }),
    );
    return stackRequest;
}

function resourceOptions(r: AnalyzedResource): analyzerpb.AnalyzerResourceOptions {
    const options = new analyzerpb.AnalyzerResourceOptions();
    options.setProtect(r.protect);
    options.setIgnorechangesList(r.ignoreChanges ?? []);
    options.setAliasesList(r.aliases ?? []);
    options.setAdditionalsecretoutputsList(r.additionalSecretOutputs ?? []);
    const timeouts = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
    timeouts.setCreate(r.customTimeouts?.create ?? 0);
    timeouts.setUpdate(r.customTimeouts?.update ?? 0);
    timeouts.setDelete(r.customTimeouts?.delete ?? 0);
    options.setCustomtimeouts(timeouts);
    options.setParent(r.parent ?? "");
    return options;
}

/** The pack as `GetAnalyzerInfo` describes it. */
export function toPackInfo(info: analyzerpb.AnalyzerInfo): PackInfo {
    const policies: PolicyInfo[] = info.getPoliciesList().map((p) => {
        const policy: PolicyInfo = {
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: levelFromProto(p.getEnforcementlevel()),
            kind: p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
        };
        const schema = p.getConfigschema();
        if (schema) {
            policy.configSchema = {
                properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, JsonSchema>,
                required: schema.getRequiredList(),
            };
        }
        return policy;
    });
    const initialConfig: PackInfo["initialConfig"] = {};
    info.getInitialconfigMap().forEach((value, key) => {
        initialConfig[key] = {
            enforcementLevel: levelFromProto(value.getEnforcementlevel()),
            properties: value.getProperties()?.toJavaScript() ?? {},
        };
    });
    return { name: info.getName(), version: info.getVersion(), policies, initialConfig };
}
