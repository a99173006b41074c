import Ajv, { ErrorObject } from "ajv";
import { IPv4CidrRange, Validator } from "ip-num";
import { projectName, stackConfigSchema } from "./schema";
import { IntegratedService } from "./services";

export type { IntegratedService } from "./services";

/** One key of the stack, validated and with defaults applied. */
export interface KeySettings {
    alias: string;
    description: string;
    integratedService: IntegratedService;
    tags: Record<string, string>;
    administrators: string[];
    users: string[];
    /** Read-only principals of the key: its own `auditors` and the stack-wide `kms-keys:auditors`, in that order. */
    auditors: string[];
    crossAccountUsers: string[];
    allowKeyDeletion: boolean;
    deletionWindowInDays: number;
    enableKeyRotation: boolean;
    rotationPeriodInDays: number;
    accountRootRecovery: boolean;
    allowAccountRootFullAccess: boolean;
    protect: boolean;
    retainOnDelete: boolean;
}

/** A subnet named by its CIDR block and availability zone, to be looked up in the VPC. */
export interface SubnetLookup {
    cidrBlock: string;
    availabilityZone: string;
}

/** The KMS interface endpoint of the stack, validated and with defaults applied. */
export interface EndpointSettings {
    vpcId?: string;
    vpcCidrBlock?: string;
    subnetIds?: string[];
    subnets?: SubnetLookup[];
    privateDnsEnabled: boolean;
    sourceSecurityGroupIds: string[];
    allowAllEgress: boolean;
    fullAccessPolicy: boolean;
}

/** Where the alerts on the keys go: an existing topic, or a topic the program creates with these subscriptions. */
export type MonitoringSettings = { topicArn: string } | { emails: string[] };

/** The whole stack configuration. */
export interface StackSettings {
    stack: string;
    region: string;
    /** `aws:allowedAccountIds`, when the stack pins its account. */
    allowedAccountIds: string[];
    keys: Record<string, KeySettings>;
    /** `kms-keys:auditors`, which every key's `auditors` also holds. */
    auditors: string[];
    /** Absent when the stack has no endpoint (`enabled: false` or no `vpcEndpoint` key). */
    vpcEndpoint?: EndpointSettings;
    /** Absent when the stack turns the alerts off (`kms-keys:monitoring.enabled: false`). */
    monitoring?: MonitoringSettings;
    tags: Record<string, string>;
}

/** Tags the program sets itself; config may not override them. */
export const reservedTags = ["Environment", "ManagedBy"] as const;

/**
 * A mistake in the stack configuration. It extends nothing from the Pulumi SDK so that pure code stays free of it;
 * index.ts turns it into a `RunError`, which the CLI prints without a stack trace.
 */
export class ConfigError extends Error {
    constructor(
        readonly file: string,
        readonly keyPath: string,
        readonly value: unknown,
        readonly allowed: string,
    ) {
        super(
            value === undefined
                ? `${file}: ${keyPath} is missing; expected ${allowed}`
                : `${file}: ${keyPath}: ${describeValue(value)} is not allowed; expected ${allowed}`,
        );
        this.name = "ConfigError";
    }
}

/** Renders a config value for a message: JSON, shortened so one bad value cannot flood the terminal. */
export function describeValue(value: unknown): string {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The stack file a stack's configuration is read from. */
export function stackFile(stack: string): string {
    return `Pulumi.${stack}.yaml`;
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, verbose: true, strict: true, strictRequired: false });
ajv.addKeyword({ keyword: "allowed", schemaType: "string" });
ajv.addFormat("ipv4-cidr", (value: string) => Validator.isValidIPv4CidrRange(value)[0]);
const validateSchema = ajv.compile(stackConfigSchema);

/**
 * Parses one raw config value as the Pulumi CLI passes it: structured values arrive as JSON text, plain strings
 * as they are.
 */
function parseRawValue(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

/** Follows an ajv instance path (`/keys/aurora/deletionWindowInDays`) to a dotted config key path. */
function keyPathOf(instancePath: string, extra?: string): string {
    const segments = instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (extra !== undefined) {
        segments.push(extra);
    }
    const [top, ...rest] = segments;
    const head = `${projectName}:${top}`;
    return rest.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : `${path}.${s}`), head);
}

/** Suggests the closest known name for a misspelt key, by edit distance. */
export function closestName(name: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const [a, b] = [name.toLowerCase(), candidate.toLowerCase()];
        // A name that is the start of a known one (privateDns for privateDnsEnabled) is as good as a near miss.
        const d = a.length >= 4 && b.startsWith(a) ? 1 : editDistance(a, b);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}

/** Turns the first schema error into a ConfigError. */
function schemaError(file: string, error: ErrorObject): ConfigError {
    const parent = (error.parentSchema ?? {}) as { allowed?: string; properties?: Record<string, unknown> };
    switch (error.keyword) {
        case "additionalProperties": {
            const name = (error.params as { additionalProperty: string }).additionalProperty;
            const known = Object.keys(parent.properties ?? {});
            const suggestion = closestName(name, known);
            return new ConfigError(
                file,
                keyPathOf(error.instancePath, name),
                // The error's data (ajv's verbose option) is the object that holds the unknown key.
                (error.data as Record<string, unknown>)[name],
                `one of the known keys${suggestion ? ` (did you mean "${suggestion}"?)` : ""}: ${known.join(", ")}`,
            );
        }
        case "required": {
            const name = (error.params as { missingProperty: string }).missingProperty;
            const schema = (parent.properties?.[name] ?? {}) as { allowed?: string };
            return new ConfigError(
                file,
                keyPathOf(error.instancePath, name),
                undefined,
                (schema.allowed ?? parent.allowed) as string,
            );
        }
        default: {
            // Errors inside propertyNames report the name itself; everything else reports the value at the path.
            if (error.propertyName !== undefined) {
                return new ConfigError(
                    file,
                    keyPathOf(error.instancePath, error.propertyName),
                    error.propertyName,
                    parent.allowed as string,
                );
            }
            return new ConfigError(
                file,
                keyPathOf(error.instancePath),
                error.data,
                parent.allowed ?? (error.message as string),
            );
        }
    }
}

function keysFromConfig(raw: Record<string, string>, file: string): Record<string, unknown> {
    const prefix = `${projectName}:`;
    const known = Object.keys(stackConfigSchema.properties);
    const config: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const name = fullKey.slice(prefix.length);
        if (!known.includes(name)) {
            const suggestion = closestName(name, known);
            throw new ConfigError(
                file,
                fullKey,
                parseRawValue(value),
                `one of the known keys${suggestion ? ` (did you mean "${projectName}:${suggestion}"?)` : ""}: ${known
                    .map((k) => `${projectName}:${k}`)
                    .join(", ")}`,
            );
        }
        config[name] = parseRawValue(value);
    }
    return config;
}

function checkTags(file: string, path: string, tags: Record<string, string>): void {
    for (const reserved of reservedTags) {
        if (reserved in tags) {
            throw new ConfigError(
                file,
                `${path}.${reserved}`,
                tags[reserved],
                `the tag left out: the program sets the ${reserved} tag itself`,
            );
        }
    }
}

function checkKeys(file: string, keys: Record<string, KeySettings>, allowedAccountIds: string[]): void {
    const aliasOwner = new Map<string, string>();
    for (const [name, key] of Object.entries(keys)) {
        const path = `${projectName}:keys.${name}`;
        const owner = aliasOwner.get(key.alias.toLowerCase());
        if (owner !== undefined) {
            throw new ConfigError(
                file,
                `${path}.alias`,
                key.alias,
                `an alias no other key uses (keys.${owner} has it)`,
            );
        }
        aliasOwner.set(key.alias.toLowerCase(), name);
        checkTags(file, `${path}.tags`, key.tags);
        for (const [index, user] of key.users.entries()) {
            if (key.administrators.includes(user)) {
                throw new ConfigError(
                    file,
                    `${path}.users[${index}]`,
                    user,
                    "a principal that is not also an administrator: administrators manage the key and never use it (separation of duties)",
                );
            }
        }
        checkOwnAccount(file, `${path}.administrators`, key.administrators, allowedAccountIds, true);
        checkOwnAccount(file, `${path}.users`, key.users, allowedAccountIds, true);
        checkOwnAccount(file, `${path}.auditors`, key.auditors, allowedAccountIds, false);
        for (const [index, ref] of key.crossAccountUsers.entries()) {
            const account = /^arn:[^:]+:iam::(\d{12}):/.exec(ref)?.[1] as string;
            if (allowedAccountIds.includes(account)) {
                throw new ConfigError(
                    file,
                    `${path}.crossAccountUsers[${index}]`,
                    ref,
                    "a principal of another account; principals of this account belong in users",
                );
            }
        }
    }
}

/**
 * Principals given as full ARNs must belong to the stack's pinned account. `crossAccountHint` says that principals of
 * other accounts that use the key go in crossAccountUsers; auditors have no cross-account form, so they get no hint.
 */
function checkOwnAccount(
    file: string,
    keyPath: string,
    refs: string[],
    allowedAccountIds: string[],
    crossAccountHint: boolean,
): void {
    for (const [index, ref] of refs.entries()) {
        const account = /^arn:[^:]+:iam::(\d{12}):/.exec(ref)?.[1];
        if (account !== undefined && allowedAccountIds.length > 0 && !allowedAccountIds.includes(account)) {
            throw new ConfigError(
                file,
                `${keyPath}[${index}]`,
                ref,
                `a principal of this stack's account (aws:allowedAccountIds: ${allowedAccountIds.join(", ")})` +
                    (crossAccountHint ? "; put principals of other accounts in crossAccountUsers" : ""),
            );
        }
    }
}

function checkEndpoint(file: string, endpoint: EndpointSettings & { enabled?: boolean }): void {
    const path = `${projectName}:vpcEndpoint`;
    if ((endpoint.vpcId === undefined) === (endpoint.vpcCidrBlock === undefined)) {
        throw new ConfigError(
            file,
            `${path}.vpcId`,
            endpoint.vpcId,
            "exactly one of vpcId (the VPC's id) or vpcCidrBlock (to look the VPC up by its CIDR block)",
        );
    }
    if ((endpoint.subnetIds === undefined) === (endpoint.subnets === undefined)) {
        throw new ConfigError(
            file,
            `${path}.subnetIds`,
            endpoint.subnetIds,
            "exactly one of subnetIds (subnet ids) or subnets (a list of {cidrBlock, availabilityZone} to look up)",
        );
    }
    if (endpoint.subnets !== undefined) {
        checkSubnetLookups(file, `${path}.subnets`, endpoint.subnets, endpoint.vpcCidrBlock);
    }
}

/**
 * Checks subnets named by CIDR and zone: each inside the VPC block (when it is known), none overlapping another,
 * and at least two availability zones so the endpoint survives the loss of a zone.
 */
export function checkSubnetLookups(
    file: string,
    path: string,
    subnets: SubnetLookup[],
    vpcCidrBlock: string | undefined,
): void {
    const ranges = subnets.map((s) => IPv4CidrRange.fromCidr(s.cidrBlock));
    for (const [index, subnet] of subnets.entries()) {
        if (vpcCidrBlock !== undefined && !ranges[index].inside(IPv4CidrRange.fromCidr(vpcCidrBlock))) {
            throw new ConfigError(
                file,
                `${path}[${index}].cidrBlock`,
                subnet.cidrBlock,
                `a CIDR block inside the VPC's ${vpcCidrBlock}`,
            );
        }
        for (let other = 0; other < index; other++) {
            if (ranges[index].isOverlapping(ranges[other])) {
                throw new ConfigError(
                    file,
                    `${path}[${index}].cidrBlock`,
                    subnet.cidrBlock,
                    `a CIDR block that does not overlap ${path}[${other}] (${subnets[other].cidrBlock})`,
                );
            }
        }
    }
    checkDistinctZones(
        file,
        path,
        subnets.map((s) => s.availabilityZone),
    );
}

/** At least two distinct availability zones. */
export function checkDistinctZones(file: string, path: string, zones: string[]): void {
    if (new Set(zones).size < 2) {
        throw new ConfigError(
            file,
            path,
            zones,
            "subnets in at least two different availability zones (the endpoint must survive the loss of one zone)",
        );
    }
}

/**
 * Where the alerts go, checked: a topic ARN in the stack's region (EventBridge delivers only to targets in the rule's
 * region, https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification), and emails only for the
 * topic the program creates (an existing topic's subscriptions are managed where the topic is).
 */
function checkMonitoring(
    file: string,
    monitoring: { enabled: boolean; topicArn?: string; emails: string[] },
    region: string,
): MonitoringSettings | undefined {
    const path = `${projectName}:monitoring`;
    if (monitoring.topicArn !== undefined) {
        if (monitoring.topicArn.split(":")[3] !== region) {
            throw new ConfigError(
                file,
                `${path}.topicArn`,
                monitoring.topicArn,
                `an SNS topic in the stack's region ${region}: EventBridge delivers only to targets in the rule's region`,
            );
        }
        if (monitoring.emails.length > 0) {
            throw new ConfigError(
                file,
                `${path}.emails`,
                monitoring.emails,
                "no emails with topicArn: subscribe them to that topic where it is managed, or drop topicArn to have the program create a topic with these subscriptions",
            );
        }
    }
    if (!monitoring.enabled) {
        return undefined;
    }
    return monitoring.topicArn !== undefined ? { topicArn: monitoring.topicArn } : { emails: monitoring.emails };
}

/**
 * Parses and validates the whole stack configuration, as the CLI hands it to the program (`pulumi.runtime.allConfig()`:
 * `"<namespace>:<key>"` to raw text). Throws a ConfigError naming the stack file, the key path, the value and what is
 * allowed, at the first problem found; nothing else in the program runs before this has succeeded.
 */
export function parseStackConfig(raw: Record<string, string>, stack: string): StackSettings {
    const file = stackFile(stack);
    const region = raw["aws:region"];
    if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
        throw new ConfigError(file, "aws:region", region, "an AWS region name such as ap-northeast-1");
    }
    const allowedAccountIds =
        raw["aws:allowedAccountIds"] === undefined ? [] : parseRawValue(raw["aws:allowedAccountIds"]);
    if (
        !Array.isArray(allowedAccountIds) ||
        !allowedAccountIds.every((a) => typeof a === "string" && /^\d{12}$/.test(a))
    ) {
        throw new ConfigError(file, "aws:allowedAccountIds", allowedAccountIds, "a list of 12-digit AWS account ids");
    }
    const config = keysFromConfig(raw, file);
    if (!validateSchema(config)) {
        throw schemaError(file, (validateSchema.errors as ErrorObject[])[0]);
    }
    const typed = config as unknown as {
        keys: Record<string, KeySettings>;
        vpcEndpoint?: EndpointSettings & { enabled: boolean };
        monitoring: { enabled: boolean; topicArn?: string; emails: string[] };
        tags: Record<string, string>;
        auditors: string[];
    };
    checkTags(file, `${projectName}:tags`, typed.tags);
    checkKeys(file, typed.keys, allowedAccountIds as string[]);
    checkOwnAccount(file, `${projectName}:auditors`, typed.auditors, allowedAccountIds as string[], false);
    for (const key of Object.values(typed.keys)) {
        key.auditors = [...new Set([...key.auditors, ...typed.auditors])];
    }
    let vpcEndpoint: EndpointSettings | undefined;
    const endpointNamesNetwork = ["vpcId", "vpcCidrBlock", "subnetIds", "subnets"].some(
        (k) => (typed.vpcEndpoint as Record<string, unknown> | undefined)?.[k] !== undefined,
    );
    // A disabled endpoint's settings are checked too: turning it on later must not be the moment they fail.
    if (typed.vpcEndpoint !== undefined && (typed.vpcEndpoint.enabled || endpointNamesNetwork)) {
        checkEndpoint(file, typed.vpcEndpoint);
    }
    if (typed.vpcEndpoint?.enabled) {
        const { enabled: _enabled, ...settings } = typed.vpcEndpoint;
        vpcEndpoint = settings;
    }
    return {
        stack,
        region,
        allowedAccountIds: allowedAccountIds as string[],
        keys: typed.keys,
        auditors: typed.auditors,
        vpcEndpoint,
        monitoring: checkMonitoring(file, typed.monitoring, region),
        tags: typed.tags,
    };
}
