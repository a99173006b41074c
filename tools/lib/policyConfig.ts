/**
 * Policy pack configuration, resolved the way the Pulumi CLI resolves `--policy-pack-config FILE`.
 *
 * The CLI (pkg/resource/analyzer/config.go, `ReconcilePolicyPackConfig`) starts from each policy's defaults (its
 * enforcement level and the top-level `default` of every config schema property), applies the pack's own initial
 * config, then the file: first the `"all"` enforcement level, then each policy's entry. Property objects are merged
 * key by key. The merged properties are then validated against each policy's schema.
 *
 * Two deliberate differences: an unknown policy name and an unknown top-level property are errors here, where the
 * CLI passes them on and the pack silently ignores them. A typo in a guardrail's config must not quietly fall back to
 * a weaker default.
 */
import * as fs from "fs";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";

import { UsageError, describeValue } from "./errors";

/** How strongly a policy is enforced; the same four levels the CLI and `@pulumi/policy` use. */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** The enforcement levels, in the order the CLI documents them. */
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A JSON schema fragment, as a policy declares it in `configSchema.properties`. */
export type JsonSchema = Record<string, unknown>;

/** A policy as the pack describes it over `GetAnalyzerInfo`. */
export interface PolicyInfo {
    /** The policy's kebab-case name, unique in the pack. */
    name: string;
    /** One-line description; `@pulumi/policy` also prefixes every violation message with it. */
    description: string;
    /** The level the policy runs at when no config says otherwise. */
    enforcementLevel: EnforcementLevel;
    /** `resource` policies see one resource at a time, `stack` policies the whole stack. */
    kind: "resource" | "stack";
    /** The policy's config schema, when it takes configuration. */
    configSchema?: { properties: Record<string, JsonSchema>; required: string[] };
}

/** The whole pack: its name, version, policies and the initial config it was constructed with. */
export interface PackInfo {
    name: string;
    version: string;
    policies: PolicyInfo[];
    /** Config passed as the third argument of `new PolicyPack(...)`, applied before any config file. */
    initialConfig: Record<string, { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> }>;
}

/** One policy's resolved config: what `Configure` sends for it. */
export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** Resolved config for a whole pack, keyed by policy name. */
export type PolicyPackConfig = Record<string, ResolvedPolicyConfig>;

/** What a config file may hold for one key, before validation. */
type RawEntry = { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> };

const ALL = "all";

/** Where config came from when there is no file: error messages still need to name a source. */
export const PACK_DEFAULTS_SOURCE = "policy pack defaults";

/** True if `value` is one of the four enforcement levels. */
export function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function levelError(source: string, keyPath: string, value: unknown): UsageError {
    return new UsageError(
        `${source}: ${keyPath}: ${describeValue(value)} is not an enforcement level; allowed: ${ENFORCEMENT_LEVELS.join(", ")}`,
    );
}

/**
 * Parses the top level of a config document into entries, checking names and enforcement levels. Property values
 * are checked later, against the schemas, once they are merged with the defaults.
 */
function parseEntries(raw: unknown, pack: PackInfo, source: string): Map<string, RawEntry> {
    if (!isPlainObject(raw)) {
        const got = Array.isArray(raw) ? "an array" : describeValue(raw);
        throw new UsageError(`${source}: expected a JSON object keyed by policy name or "all", got ${got}`);
    }
    const known = new Set(pack.policies.map((p) => p.name));
    const entries = new Map<string, RawEntry>();
    for (const [key, value] of Object.entries(raw)) {
        if (key !== ALL && !known.has(key)) {
            throw new UsageError(
                `${source}: ${key}: unknown policy; pack "${pack.name}" has: ${[...known].sort().join(", ")} (or "all")`,
            );
        }
        if (typeof value === "string") {
            if (!isEnforcementLevel(value)) {
                throw levelError(source, key, value);
            }
            entries.set(key, { enforcementLevel: value, properties: {} });
        } else if (isPlainObject(value)) {
            const { enforcementLevel, ...properties } = value;
            if (enforcementLevel !== undefined && !isEnforcementLevel(enforcementLevel)) {
                throw levelError(source, `${key}.enforcementLevel`, enforcementLevel);
            }
            if (key === ALL && Object.keys(properties).length > 0) {
                const first = Object.keys(properties)[0];
                throw new UsageError(`${source}: ${ALL}.${first}: "${ALL}" takes only enforcementLevel`);
            }
            entries.set(key, { enforcementLevel, properties });
        } else {
            throw new UsageError(
                `${source}: ${key}: ${describeValue(value)} is not allowed; expected an enforcement level ` +
                    `(${ENFORCEMENT_LEVELS.join(", ")}) or an object with enforcementLevel and the policy's properties`,
            );
        }
    }
    return entries;
}

function schemaDefaults(policy: PolicyInfo): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if ("default" in schema) {
            defaults[key] = structuredClone(schema["default"]);
        }
    }
    return defaults;
}

// One compiler and one compiled validator per schema: compiling is the slow part, and `synth --all` resolves the same
// pack's config once per stack.
const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(policy: PolicyInfo): ValidateFunction {
    const schema = {
        type: "object",
        properties: policy.configSchema?.properties ?? {},
        ...(policy.configSchema?.required.length ? { required: policy.configSchema.required } : {}),
    };
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
        validate = ajv.compile(schema);
        validators.set(key, validate);
    }
    return validate;
}

/** Reads the value at an ajv instance path (`/a/0/b`) so the error can show it. */
function valueAt(data: unknown, instancePath: string): unknown {
    let current: unknown = data;
    for (const segment of instancePath.split("/").slice(1)) {
        const key = segment.replace(/~1/g, "/").replace(/~0/g, "~");
        current =
            isPlainObject(current) || Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined;
    }
    return current;
}

function describeAjvError(policy: string, error: ErrorObject, data: Record<string, unknown>, source: string): string {
    const path = [policy, ...error.instancePath.split("/").slice(1)].join(".");
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
        case "required":
            return `${source}: ${path}: missing required property "${String(params["missingProperty"])}"`;
        case "additionalProperties":
            return `${source}: ${path}.${String(params["additionalProperty"])}: unknown property`;
        case "enum": {
            const allowed = (params["allowedValues"] as unknown[]).map((v) => describeValue(v)).join(", ");
            return `${source}: ${path}: ${describeValue(valueAt(data, error.instancePath))} is not allowed; must be one of ${allowed}`;
        }
        default:
            return `${source}: ${path}: ${describeValue(valueAt(data, error.instancePath))} is not allowed; ${error.message ?? "invalid"}`;
    }
}

/**
 * Resolves a parsed config document (or `undefined` for none) against the pack, as the CLI does, and validates it.
 * Throws a one-line `UsageError` naming `source`, the key path, the value and what is allowed.
 */
export function resolvePolicyConfig(
    raw: unknown,
    pack: PackInfo,
    source: string = PACK_DEFAULTS_SOURCE,
): PolicyPackConfig {
    const result: PolicyPackConfig = {};
    for (const policy of pack.policies) {
        result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties: schemaDefaults(policy) };
    }

    const apply = (entries: Map<string, RawEntry>): void => {
        const all = entries.get(ALL);
        if (all?.enforcementLevel) {
            for (const name of Object.keys(result)) {
                result[name].enforcementLevel = all.enforcementLevel;
            }
        }
        for (const [name, entry] of entries) {
            if (name === ALL || !result[name]) {
                continue;
            }
            if (entry.enforcementLevel) {
                result[name].enforcementLevel = entry.enforcementLevel;
            }
            Object.assign(result[name].properties, structuredClone(entry.properties));
        }
    };

    const initial = new Map<string, RawEntry>();
    for (const [name, entry] of Object.entries(pack.initialConfig)) {
        initial.set(name, { enforcementLevel: entry.enforcementLevel, properties: entry.properties ?? {} });
    }
    apply(initial);
    if (raw !== undefined) {
        apply(parseEntries(raw, pack, source));
    }

    for (const policy of pack.policies) {
        const properties = result[policy.name].properties;
        const declared = policy.configSchema?.properties ?? {};
        for (const key of Object.keys(properties)) {
            if (!(key in declared)) {
                const allowed = Object.keys(declared);
                throw new UsageError(
                    `${source}: ${policy.name}.${key}: unknown property; ` +
                        (allowed.length
                            ? `allowed: ${allowed.join(", ")}`
                            : `policy ${policy.name} takes no properties`),
                );
            }
        }
        if (!policy.configSchema) {
            continue;
        }
        const validate = validatorFor(policy);
        if (!validate(properties) && validate.errors?.length) {
            throw new UsageError(describeAjvError(policy.name, validate.errors[0], properties, source));
        }
    }
    return result;
}

/** Reads and parses a policy config file; a missing or malformed file is a `UsageError` naming it. */
export function readPolicyConfigFile(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(`${file}: cannot read policy config (${code === "ENOENT" ? "no such file" : code})`);
    }
    // The CLI accepts an empty file as "no config".
    if (text.trim() === "") {
        return undefined;
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (e) {
        throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
    }
}

/** Reads `file` (or nothing, for the pack's defaults) and resolves it against the pack. */
export function loadPolicyConfig(file: string | undefined, pack: PackInfo): PolicyPackConfig {
    if (file === undefined) {
        return resolvePolicyConfig(undefined, pack);
    }
    return resolvePolicyConfig(readPolicyConfigFile(file), pack, file);
}
