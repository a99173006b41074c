/**
 * Reads the two files the audit command accepts, from any Pulumi program, into the resources the engine would show
 * to a policy pack.
 *
 * - `pulumi stack export`: `{version: 3, deployment: {manifest, secrets_providers, resources: [...]}}`; each resource
 *   has `urn`, `custom`, `type`, `inputs`, `outputs` and its options. Secrets are signature objects holding either
 *   `ciphertext` (the default; unreadable without the stack's secrets provider) or `plaintext` (`--show-secrets`,
 *   the serialized value as a JSON string). Resources marked `delete` are pending deletion and no longer part of the
 *   stack.
 * - `pulumi preview --json`: `{config, steps: [{op, urn, provider, oldState, newState, ...}], diagnostics,
 *   changeSummary, duration}` (pkg/backend/display/json.go). `newState` and `oldState` are resource states as in an
 *   export, except that every secret is masked as the string `"[secret]"` and values the preview cannot know are
 *   the unknown sentinel. Steps without a `newState` (deletes) are not part of the planned stack.
 *
 * The readers keep every resource, providers and the root stack included; which of them reach which RPC is the
 * policy host's business, as it is the engine's.
 */
import * as fs from "fs";

import { UsageError, describeValue } from "./errors";
import { AnalyzedResource, SECRET_SIG, SIG_KEY, UNKNOWN } from "./policyHost";

/** The two kinds of file the audit reads. */
export type StateFormat = "stack-export" | "preview";

/** A state file, read. */
export interface StateFile {
    file: string;
    format: StateFormat;
    /** Stack and project named by the resources' URNs (undefined if the file has no resources). */
    stack?: string;
    project?: string;
    resources: AnalyzedResource[];
}

/** The parts of a Pulumi URN: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
export interface ParsedUrn {
    stack: string;
    project: string;
    /** The resource's own type (the last `$`-separated part of the qualified type). */
    type: string;
    name: string;
}

const URN_SHAPE = "urn:pulumi:<stack>::<project>::<type>::<name>";
const EXPECTED_FILE = 'a "pulumi stack export" document (version 3) or "pulumi preview --json" output';

/** The string `pulumi preview --json` prints in place of every secret value. */
export const MASKED_SECRET = "[secret]";

/** Parses a URN, or returns undefined if `urn` is not one. */
export function parseUrn(urn: unknown): ParsedUrn | undefined {
    if (typeof urn !== "string" || !urn.startsWith("urn:pulumi:")) {
        return undefined;
    }
    const parts = urn.slice("urn:pulumi:".length).split("::");
    if (parts.length < 4 || parts.slice(0, 3).some((p) => p === "")) {
        return undefined;
    }
    const qualifiedType = parts[2];
    return {
        stack: parts[0],
        project: parts[1],
        type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1),
        // Names may themselves contain "::".
        name: parts.slice(3).join("::"),
    };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A secret nobody here can read, in the shape the policy host turns into an undecidable value. */
function unreadableSecret(): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, ciphertext: MASKED_SECRET };
}

/** Replaces the preview's `"[secret]"` masks with unreadable secrets, so that no policy mistakes one for data. */
function unmask(value: unknown): unknown {
    if (value === MASKED_SECRET) {
        return unreadableSecret();
    }
    if (Array.isArray(value)) {
        return value.map(unmask);
    }
    if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = unmask(v);
        }
        return out;
    }
    return value;
}

/** Checks the parts of one serialized resource state and builds the analyzed resource. */
class ResourceReader {
    constructor(private readonly file: string) {}

    private fail(at: string, value: unknown, expected: string): never {
        throw new UsageError(`${this.file}: ${at}: ${describeValue(value)} is not allowed; expected ${expected}`);
    }

    private object(at: string, value: unknown): Record<string, unknown> {
        if (value === undefined || value === null) {
            return {};
        }
        return isRecord(value) ? value : this.fail(at, value, "an object");
    }

    private strings(at: string, value: unknown): string[] {
        if (value === undefined || value === null) {
            return [];
        }
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            return this.fail(at, value, "an array of strings");
        }
        return value as string[];
    }

    private optionalString(at: string, value: unknown): string | undefined {
        if (value === undefined || value === null || value === "") {
            return undefined;
        }
        return typeof value === "string" ? value : this.fail(at, value, "a string");
    }

    private flag(at: string, value: unknown): boolean {
        if (value === undefined || value === null) {
            return false;
        }
        return typeof value === "boolean" ? value : this.fail(at, value, "true or false");
    }

    read(
        at: string,
        state: unknown,
        overrides: { outputs?: Record<string, unknown>; external?: boolean } = {},
    ): AnalyzedResource {
        if (!isRecord(state)) {
            return this.fail(at, state, "a resource object");
        }
        const parsed = parseUrn(state["urn"]);
        if (!parsed) {
            return this.fail(`${at}.urn`, state["urn"], URN_SHAPE);
        }
        const type = typeof state["type"] === "string" && state["type"] !== "" ? state["type"] : parsed.type;
        const propertyDependencies: Record<string, string[]> = {};
        for (const [key, urns] of Object.entries(
            this.object(`${at}.propertyDependencies`, state["propertyDependencies"]),
        )) {
            // Real exports hold `null` for a property that depends on nothing.
            propertyDependencies[key] = this.strings(`${at}.propertyDependencies.${key}`, urns);
        }
        const timeouts = this.object(`${at}.customTimeouts`, state["customTimeouts"]);
        const resource: AnalyzedResource = {
            urn: state["urn"] as string,
            type,
            name: parsed.name,
            custom: this.flag(`${at}.custom`, state["custom"]),
            inputs: this.object(`${at}.inputs`, state["inputs"]),
            outputs: overrides.outputs ?? this.object(`${at}.outputs`, state["outputs"]),
            parent: this.optionalString(`${at}.parent`, state["parent"]),
            protect: this.flag(`${at}.protect`, state["protect"]),
            retainOnDelete: this.flag(`${at}.retainOnDelete`, state["retainOnDelete"]),
            provider: this.optionalString(`${at}.provider`, state["provider"]),
            dependencies: this.strings(`${at}.dependencies`, state["dependencies"]),
            propertyDependencies,
            aliases: this.strings(`${at}.aliases`, state["aliases"]),
            ignoreChanges: this.strings(`${at}.ignoreChanges`, state["ignoreChanges"]),
            additionalSecretOutputs: this.strings(`${at}.additionalSecretOutputs`, state["additionalSecretOutputs"]),
            external: overrides.external ?? this.flag(`${at}.external`, state["external"]),
        };
        if (Object.keys(timeouts).length > 0) {
            resource.customTimeouts = {
                create: typeof timeouts["create"] === "number" ? timeouts["create"] : undefined,
                update: typeof timeouts["update"] === "number" ? timeouts["update"] : undefined,
                delete: typeof timeouts["delete"] === "number" ? timeouts["delete"] : undefined,
            };
        }
        return resource;
    }

    /** The raw state object, checked to be one. */
    state(at: string, value: unknown): Record<string, unknown> {
        return isRecord(value) ? value : this.fail(at, value, "a resource object");
    }
}

function withStack(file: string, format: StateFormat, resources: AnalyzedResource[]): StateFile {
    const first = resources.length > 0 ? parseUrn(resources[0].urn) : undefined;
    return { file, format, stack: first?.stack, project: first?.project, resources };
}

/** Reads the resources of a `pulumi stack export` document (already parsed). */
export function parseStackExport(doc: Record<string, unknown>, file: string): StateFile {
    if (doc["version"] !== 3) {
        throw new UsageError(
            `${file}: version: ${describeValue(doc["version"])} is not supported; expected a "pulumi stack export" ` +
                `document with version 3 (export it again with a current Pulumi CLI)`,
        );
    }
    const deployment = doc["deployment"];
    if (!isRecord(deployment)) {
        throw new UsageError(`${file}: deployment: ${describeValue(deployment)} is not allowed; expected an object`);
    }
    const list = deployment["resources"] ?? [];
    if (!Array.isArray(list)) {
        throw new UsageError(`${file}: deployment.resources: ${describeValue(list)} is not allowed; expected an array`);
    }
    const reader = new ResourceReader(file);
    const resources: AnalyzedResource[] = [];
    list.forEach((raw, i) => {
        const at = `deployment.resources[${i}]`;
        // A resource marked for deletion is what a failed or partial update left behind: it is no longer part of
        // the stack, and the engine analyzes neither it nor its replacement twice.
        if (reader.state(at, raw)["delete"] === true) {
            return;
        }
        resources.push(reader.read(at, raw));
    });
    return withStack(file, "stack-export", resources);
}

/** Step operations whose new state exists only because the program read an existing resource. */
const READ_OPS = new Set(["read", "read-replacement"]);
/** Step operations that keep the old state as it is. */
const UNCHANGED_OPS = new Set(["same", "refresh"]);
/** Step operations that create a new physical resource: its provider-computed outputs are not known yet. */
const REPLACING_OPS = new Set(["replace", "create-replacement"]);

/**
 * The state `AnalyzeStack` sees for a step in a preview. The preview file only carries what the step started from,
 * so the planned state is rebuilt the way providers plan it: an unchanged resource keeps its old outputs; an
 * updated one keeps its old outputs overlaid with the new inputs; a replacement has the new inputs and every other
 * old output unknown; a new resource has its inputs (outputs only the provider computes are absent).
 */
function plannedState(
    op: string,
    newState: Record<string, unknown>,
    oldState: Record<string, unknown> | undefined,
): Record<string, unknown> {
    const inputs = isRecord(newState["inputs"]) ? newState["inputs"] : {};
    const outputs = isRecord(newState["outputs"]) ? newState["outputs"] : {};
    const oldOutputs = oldState && isRecord(oldState["outputs"]) ? oldState["outputs"] : undefined;
    if (Object.keys(outputs).length > 0) {
        return outputs;
    }
    if (UNCHANGED_OPS.has(op) && oldOutputs) {
        return oldOutputs;
    }
    if (REPLACING_OPS.has(op) && oldOutputs) {
        const planned: Record<string, unknown> = {};
        for (const key of Object.keys(oldOutputs)) {
            planned[key] = UNKNOWN;
        }
        return { ...planned, ...inputs };
    }
    if (op === "update" && oldOutputs) {
        return { ...oldOutputs, ...inputs };
    }
    return inputs;
}

/** Reads the planned resources of `pulumi preview --json` output (already parsed). */
export function parsePreview(doc: Record<string, unknown>, file: string): StateFile {
    const steps = doc["steps"] ?? [];
    if (!Array.isArray(steps)) {
        throw new UsageError(`${file}: steps: ${describeValue(steps)} is not allowed; expected an array`);
    }
    const reader = new ResourceReader(file);
    const seen = new Set<string>();
    const resources: AnalyzedResource[] = [];
    steps.forEach((step, i) => {
        const at = `steps[${i}]`;
        if (!isRecord(step) || typeof step["op"] !== "string") {
            throw new UsageError(
                `${file}: ${at}: ${describeValue(step)} is not allowed; expected a step with "op" and "urn"`,
            );
        }
        const op = step["op"];
        // Deletes (and the delete half of a replacement) have no new state: they are not in the planned stack.
        if (step["newState"] === undefined || step["newState"] === null) {
            return;
        }
        const newState = unmask(reader.state(`${at}.newState`, step["newState"])) as Record<string, unknown>;
        const oldState = isRecord(step["oldState"]) ? (unmask(step["oldState"]) as Record<string, unknown>) : undefined;
        const resource = reader.read(`${at}.newState`, newState, {
            outputs: plannedState(op, newState, oldState),
            external: READ_OPS.has(op) || newState["external"] === true,
        });
        // With --show-replacement-steps a replacement appears as several steps of one URN carrying the same state.
        if (seen.has(resource.urn)) {
            return;
        }
        seen.add(resource.urn);
        if (!resource.provider && typeof step["provider"] === "string" && step["provider"] !== "") {
            resource.provider = step["provider"];
        }
        resources.push(resource);
    });
    return withStack(file, "preview", resources);
}

/** Tells which of the two formats a parsed document is, or undefined for anything else. */
export function detectStateFormat(doc: unknown): StateFormat | undefined {
    if (!isRecord(doc)) {
        return undefined;
    }
    if ("deployment" in doc && "version" in doc) {
        return "stack-export";
    }
    if (Array.isArray(doc["steps"]) || isRecord(doc["changeSummary"])) {
        return "preview";
    }
    return undefined;
}

/** Parses a document of either format; anything else is a `UsageError` naming the file and what was expected. */
export function parseStateDocument(doc: unknown, file: string): StateFile {
    switch (detectStateFormat(doc)) {
        case "stack-export":
            return parseStackExport(doc as Record<string, unknown>, file);
        case "preview":
            return parsePreview(doc as Record<string, unknown>, file);
        default: {
            const got = Array.isArray(doc)
                ? "an array"
                : isRecord(doc)
                  ? "an object of another shape"
                  : describeValue(doc);
            throw new UsageError(`${file}: not ${EXPECTED_FILE}; got ${got}`);
        }
    }
}

/** Reads and parses a state file; a missing, unreadable or foreign file is a one-line `UsageError`. */
export function readStateFile(file: string): StateFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why =
            code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? (e as Error).message);
        throw new UsageError(`${file}: cannot read (${why}); expected ${EXPECTED_FILE}`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text) as unknown;
    } catch (e) {
        throw new UsageError(`${file}: not valid JSON (${(e as Error).message}); expected ${EXPECTED_FILE}`);
    }
    return parseStateDocument(doc, file);
}
