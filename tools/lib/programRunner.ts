import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as YAML from "yaml";
import { UsageError } from "./errors";
import { AccountFacts, answerFromFacts, factsFromStack, placeholderId } from "./facts";

/** One resource registration, as the engine receives it (property values in Pulumi's wire form). */
export interface RegisteredResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    provider?: string;
    protect: boolean;
    retainOnDelete: boolean;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    /** Inputs; values not known until the update are Pulumi's unknown sentinel, as in a real preview. */
    inputs: Record<string, unknown>;
    /** Planned state: the inputs plus what the mock provider reports. */
    outputs: Record<string, unknown>;
}

/** What running the program for one stack produced. */
export interface ProgramRun {
    project: string;
    stack: string;
    /** The stack's configuration as the CLI passes it to the program. */
    config: Record<string, string>;
    resources: RegisteredResource[];
    /** Stack outputs (plain values; unknown ones as the unknown sentinel). */
    outputs: Record<string, unknown>;
    /** Invokes the program made, in order, with their tokens and arguments. */
    invokes: { token: string; args: Record<string, unknown> }[];
    /** A user error (bad stack config): the message the CLI would print. */
    error?: string;
}

/** An answer to an invoke, or undefined to let the default answer it. */
export type InvokeOverride = (token: string, args: Record<string, unknown>) => Record<string, unknown> | undefined;

/** Options of a run. */
export interface RunOptions {
    /** The project directory (Pulumi.yaml, Pulumi.<stack>.yaml, index.ts). */
    projectDir?: string;
    /** Stack configuration to use instead of the stack file's (same shape as its `config:` map). */
    configOverride?: Record<string, unknown>;
    /** Answers some invokes differently, for example a subnet in another VPC. */
    invokes?: InvokeOverride;
    /** The account the look-ups are answered from; by default the one the stack's config describes. */
    facts?: AccountFacts;
    /** Run as `pulumi up` would (ids and computed outputs known) instead of as a preview. */
    update?: boolean;
    /** The program to run instead of the project's index.ts (component specs run components alone). */
    program?: () => Promise<unknown>;
}

export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const defaultProjectDir = path.resolve(__dirname, "..", "..");

/** The project name from Pulumi.yaml. */
export function readProjectName(projectDir: string): string {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown };
    if (typeof doc?.name !== "string") {
        throw new UsageError(`${file}: name: expected the project name`);
    }
    return doc.name;
}

/** The stacks of the project: one per Pulumi.<stack>.yaml. */
export function listStacks(projectDir: string = defaultProjectDir): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Reads Pulumi.<stack>.yaml and renders its `config:` the way the CLI passes config to a program: keys namespaced
 * (`key` alone means `<project>:key`), strings as they are, everything else as JSON text.
 */
export function readStackConfig(
    projectDir: string,
    project: string,
    stack: string,
    override?: Record<string, unknown>,
): Record<string, string> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    let config = override;
    if (config === undefined) {
        if (!fs.existsSync(file)) {
            throw new UsageError(
                `unknown stack "${stack}": ${path.basename(file)} does not exist; stacks: ${listStacks(projectDir).join(", ")}`,
            );
        }
        let doc: { config?: Record<string, unknown> } | null;
        try {
            doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
        } catch (error) {
            throw new UsageError(`${path.basename(file)}: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
        }
        config = doc?.config ?? {};
    }
    const rendered: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            throw new UsageError(
                `${path.basename(file)}: ${key}: encrypted (secure) values cannot be read offline; the program takes none`,
            );
        }
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        rendered[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return rendered;
}

/**
 * Answers the invokes the program makes from the account the stack's own config describes (`factsFromStack`): the
 * account of aws:allowedAccountIds (else 123456789012), VPCs and subnets exactly as the config describes them.
 */
export function defaultInvokeAnswer(
    config: Record<string, string>,
    token: string,
    args: Record<string, unknown>,
): Record<string, unknown> {
    return answerFromFacts(factsFromStack(config), config["aws:region"] ?? "us-east-1", token, args);
}

/** Where the offline plan's resources live: the region of the stack, the account and partition of its look-ups. */
export interface Placement {
    region: string;
    accountId: string;
    partition: string;
}

/** Computed outputs a created resource would report, known only after `pulumi up`. */
function computedOutputs(
    type: string,
    name: string,
    id: string,
    { region, accountId, partition }: Placement,
    inputs: Record<string, unknown>,
): Record<string, unknown> {
    switch (type) {
        case "aws:kms/key:Key":
            return { keyId: id, arn: `arn:${partition}:kms:${region}:${accountId}:key/${id}` };
        case "aws:kms/alias:Alias":
            // An alias ARN ends in the alias name, "alias/..." (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-alias-ARN).
            return { arn: `arn:${partition}:kms:${region}:${accountId}:${String(inputs["name"] ?? `alias/${name}`)}` };
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            return {
                arn: `arn:${partition}:ec2:${region}:${accountId}:vpc-endpoint/${id}`,
                dnsEntries: [{ dnsName: `${id}.kms.${region}.vpce.amazonaws.com`, hostedZoneId: "ZOFFLINEPLAN" }],
            };
        default:
            return { arn: `arn:${partition}:placeholder:${region}:${accountId}:${id}` };
    }
}

/**
 * A resource's state as a preview plans it: its inputs, with the id and every output the provider computes unknown.
 */
export function plannedState(
    type: string,
    name: string,
    placement: Placement,
    inputs: Record<string, unknown>,
): Record<string, unknown> {
    const computed = { id: unknownValue, ...computedOutputs(type, name, unknownValue, placement, inputs) };
    return { ...inputs, ...Object.fromEntries(Object.keys(computed).map((k) => [k, unknownValue])) };
}

/**
 * A mock resource monitor that records each register request whole, as the engine receives it, and names resources
 * the way the engine does: a child's type is qualified by its parent's whole type chain, except the root stack's.
 */
class RecordingMonitor extends MockMonitor {
    readonly registrations: RegisteredResource[] = [];

    constructor(mocks: pulumi.runtime.Mocks) {
        super(mocks);
        Object.assign(this, {
            newUrn: (parent: string, type: string, name: string) => {
                const parentType = parent ? parent.split("::")[2] : "";
                const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
                return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
            },
        });
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own signature
    override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const propertyDependencies: Record<string, string[]> = {};
        for (const [key, deps] of req.getPropertydependenciesMap().entries()) {
            propertyDependencies[key] = deps.getUrnsList();
        }
        const record: Omit<RegisteredResource, "urn" | "outputs"> = {
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            inputs: req.getObject()?.toJavaScript() ?? {},
        };
        await super.registerResource(req, (err, response) => {
            if (!err) {
                this.registrations.push({
                    ...record,
                    urn: response.getUrn(),
                    outputs: response.getObject()?.toJavaScript() ?? {},
                });
            }
            callback(err, response);
        });
    }
}

function isRunError(error: unknown): error is Error {
    return error instanceof Error && error.constructor.name === "RunError";
}

let running = false;

/**
 * Runs index.ts for one stack under Pulumi's mock runtime, with the stack's config read from its Pulumi.<stack>.yaml
 * exactly as the CLI passes it, and returns every registration. One run at a time per process: the runtime's
 * settings are global.
 */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    if (running) {
        throw new Error("runProgram: another run is in progress in this process");
    }
    running = true;
    try {
        const projectDir = options.projectDir ?? defaultProjectDir;
        const project = readProjectName(projectDir);
        const config = readStackConfig(projectDir, project, stack, options.configOverride);
        const invokes: ProgramRun["invokes"] = [];
        const facts = options.facts ?? factsFromStack(config);
        const region = config["aws:region"] ?? "us-east-1";
        const placement: Placement = { region, accountId: facts.accountId, partition: facts.partition };
        let counter = 0;
        const mocks: pulumi.runtime.Mocks = {
            call: ({ token, inputs }) => {
                invokes.push({ token, args: inputs });
                try {
                    return options.invokes?.(token, inputs) ?? answerFromFacts(facts, region, token, inputs);
                } catch (error) {
                    // A failed invoke reaches the program as the engine reports it: a gRPC error whose details
                    // the SDK turns into the message.
                    const message = (error as Error).message;
                    throw Object.assign(new Error(message), { details: message });
                }
            },
            newResource: ({ type, name, inputs, custom }) => {
                if (custom === false) {
                    // A component has no provider: no id and no computed outputs.
                    return { id: undefined, state: inputs };
                }
                const id = placeholderId(type.split(":").pop()?.toLowerCase() ?? "id", `${stack}/${name}/${counter++}`);
                if (!options.update) {
                    return { id: undefined, state: plannedState(type, name, placement, inputs) };
                }
                // The AWS provider's state carries the id as an output, beside what it computes.
                return { id, state: { ...inputs, id, ...computedOutputs(type, name, id, placement, inputs) } };
            },
        };
        const monitor = new RecordingMonitor(mocks);
        pulumi.runtime.setAllConfig(config);
        settings.setMockOptions(monitor, project, stack, !options.update);
        // The program module exports its main function (`export =`), which Pulumi's language host calls the same way.
        const program =
            options.program ??
            ((await import(path.join(projectDir, "index.ts"))) as { default: () => Promise<unknown> }).default;
        let error: string | undefined;
        // The SDK captures a stack trace for every promise and resource it creates; ts-node's source-mapped formatting
        // of each costs about a third of a run. V8 formats them itself while the program runs (an error's position
        // is then in the transpiled JavaScript, a few lines off at most).
        const errorClass = Error as { prepareStackTrace?: unknown };
        const mapped = errorClass.prepareStackTrace;
        errorClass.prepareStackTrace = undefined;
        try {
            try {
                await runInPulumiStack(() => program());
            } catch (e) {
                if (!isRunError(e)) {
                    throw e;
                }
                error = e.message;
            }
            // Exported by the SDK but missing from its typings: resolves once every outstanding registration has
            // settled.
            await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        } finally {
            errorClass.prepareStackTrace = mapped;
        }
        const stackResource = monitor.registrations.find((r) => r.type === "pulumi:pulumi:Stack");
        const outputs = (monitor.resources.get(stackResource?.urn ?? "")?.state ?? {}) as Record<string, unknown>;
        return {
            project,
            stack,
            config,
            resources: monitor.registrations,
            outputs: outputsToJavaScript(outputs),
            invokes,
            error,
        };
    } finally {
        running = false;
    }
}

function outputsToJavaScript(state: unknown): Record<string, unknown> {
    const s = state as { toJavaScript?: () => Record<string, unknown> };
    return typeof s?.toJavaScript === "function" ? s.toJavaScript() : ((state ?? {}) as Record<string, unknown>);
}
