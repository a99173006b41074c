/**
 * A description of an AWS account, from which the offline plan (and the end-to-end suite's stand-in provider) answers
 * the program's look-ups: who is deploying, which IAM principals exist, the VPCs and subnets, and the zones of the
 * region's endpoint services. `npm run synth -- --facts FILE` reads one from a YAML or JSON file; without one, the
 * stack file describes the account (`factsFromStack`).
 */
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import * as YAML from "yaml";

import { UsageError, describeValue } from "./errors";

/** An account as the look-ups see it. */
export interface AccountFacts {
    accountId: string;
    partition: string;
    /** What sts:GetCallerIdentity returns: an assumed-role session ARN, usually. */
    callerArn: string;
    /** The ARNs of the IAM roles and users that exist. */
    principals: string[];
    vpcs: { id: string; cidrBlock: string; enableDnsSupport: boolean; enableDnsHostnames: boolean }[];
    subnets: { id: string; vpcId: string; cidrBlock: string; availabilityZone: string }[];
    /** Endpoint service name (`com.amazonaws.<region>.kms`) to the zones it is offered in. */
    endpointServices: Record<string, { availabilityZones: string[] }>;
}

// Each value's `description` is what an error says is allowed.
const id = (prefix: string) => ({
    type: "string",
    pattern: `^${prefix}-[0-9a-f]{8,17}$`,
    description: `an id of the form ${prefix}-0123456789abcdef0`,
});
const cidr = {
    type: "string",
    pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$",
    description: "an IPv4 CIDR block such as 10.0.0.0/16",
};
const flag = { type: "boolean", description: "true or false" };
const zone = { type: "string", minLength: 1, description: "an availability zone name such as ap-northeast-1a" };

/** The schema of a facts file: exactly these keys, each required. */
const factsSchema = {
    type: "object",
    description:
        "a mapping with the keys accountId, partition, callerArn, principals, vpcs, subnets and endpointServices",
    additionalProperties: false,
    required: ["accountId", "partition", "callerArn", "principals", "vpcs", "subnets", "endpointServices"],
    properties: {
        accountId: { type: "string", pattern: "^\\d{12}$", description: "a 12-digit AWS account id in quotes" },
        partition: { enum: ["aws", "aws-cn", "aws-us-gov"], description: "aws, aws-cn or aws-us-gov" },
        callerArn: {
            type: "string",
            pattern: "^arn:[a-z-]+:(sts|iam)::\\d{12}:",
            description: "the ARN of the deploying principal (arn:aws:sts::<account>:assumed-role/<role>/<session>)",
        },
        principals: {
            type: "array",
            description: "a list of IAM role and user ARNs",
            items: {
                type: "string",
                pattern: "^arn:[a-z-]+:iam::\\d{12}:(role|user)/",
                description: "an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)",
            },
        },
        vpcs: {
            type: "array",
            description: "a list of VPCs",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["id", "cidrBlock", "enableDnsSupport", "enableDnsHostnames"],
                properties: {
                    id: id("vpc"),
                    cidrBlock: cidr,
                    enableDnsSupport: flag,
                    enableDnsHostnames: flag,
                },
            },
        },
        subnets: {
            type: "array",
            description: "a list of subnets",
            items: {
                type: "object",
                additionalProperties: false,
                required: ["id", "vpcId", "cidrBlock", "availabilityZone"],
                properties: {
                    id: id("subnet"),
                    vpcId: id("vpc"),
                    cidrBlock: cidr,
                    availabilityZone: zone,
                },
            },
        },
        endpointServices: {
            type: "object",
            description: "a mapping of endpoint service names to { availabilityZones: [...] }",
            additionalProperties: {
                type: "object",
                additionalProperties: false,
                required: ["availabilityZones"],
                properties: {
                    availabilityZones: { type: "array", description: "a list of availability zone names", items: zone },
                },
            },
        },
    },
} as const;

let validator: ValidateFunction | undefined;

/** The facts file validator, compiled on first use: most runs never read a facts file. */
function validate(doc: unknown): boolean {
    validator ??= new Ajv({ allErrors: false, strict: true, verbose: true }).compile(factsSchema);
    return validator(doc);
}

function describeError(error: ErrorObject): { path: string; expected: string } {
    const path = error.instancePath
        .split("/")
        .slice(1)
        .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
        .join("");
    switch (error.keyword) {
        case "additionalProperties":
            return {
                path: [path, (error.params as { additionalProperty: string }).additionalProperty]
                    .filter(Boolean)
                    .join("."),
                expected:
                    "no such key; a facts file has exactly accountId, partition, callerArn, principals, vpcs, subnets and endpointServices",
            };
        case "required":
            return {
                path: [path, (error.params as { missingProperty: string }).missingProperty].filter(Boolean).join("."),
                expected: "a value: the key is required",
            };
        default: {
            const described = (error.parentSchema as { description?: string } | undefined)?.description;
            return { path: path || "(the document)", expected: described ?? error.message ?? "a valid value" };
        }
    }
}

/** Reads and checks a facts file; a bad one is one `UsageError` line naming the file, the key path and the value. */
export function readFactsFile(file: string, shown: string = file): AccountFacts {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const reason =
            (error as NodeJS.ErrnoException).code === "ENOENT"
                ? "no such file"
                : (error as Error).message.split("\n")[0];
        throw new UsageError(
            `${shown}: ${reason}; expected a YAML or JSON description of the account (see README, "Plan against a description of the account")`,
        );
    }
    if (!validate(doc)) {
        const error = (validator?.errors as ErrorObject[])[0];
        const { path, expected } = describeError(error);
        const value = path
            .split(/\.|\[|\]/)
            .filter(Boolean)
            .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
        throw new UsageError(`${shown}: ${path}: ${describeValue(value)} is not allowed; expected ${expected}`);
    }
    return doc as AccountFacts;
}

/** Where the repository keeps a stack's account description: `facts/<stack>.yaml` beside the stack files. */
export function keptFactsFile(projectDir: string, stack: string): string {
    return path.join(projectDir, "facts", `${stack}.yaml`);
}

/**
 * The account a stack is planned against when no `--facts` names one: its kept description, read and validated like
 * any facts file; undefined when the project keeps none for the stack (the stack file then describes the account).
 */
export function keptFacts(projectDir: string, stack: string): { facts: AccountFacts; file: string } | undefined {
    const file = keptFactsFile(projectDir, stack);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const shown = path.relative(projectDir, file);
    return { facts: readFactsFile(file, shown), file: shown };
}

/** The partition of a region. */
export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
    if (region.startsWith("cn-")) {
        return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" };
    }
    if (region.startsWith("us-gov-")) {
        return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" };
    }
    return { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** A deterministic id that says it is made up: `<prefix>-` and 17 hex digits from `seed`. */
export function placeholderId(prefix: string, seed: string): string {
    return `${prefix}-${createHash("sha256").update(seed).digest("hex").slice(0, 17)}`;
}

/** The account the offline plan pretends to be, unless the stack pins one with aws:allowedAccountIds. */
export const placeholderAccountId = "123456789012";

/**
 * The role the offline plan deploys as: the first role that administers every key of the stack file (`keys`, read
 * defensively), or the first administrator role of its first key when none does (the program then says that no single
 * role can create the keys).
 */
function deployingRoleOf(keys: Record<string, unknown>[]): string {
    const roles = (key: Record<string, unknown>) =>
        stringsOf(key.administrators)
            .filter((a) => /(^|:)role\//.test(a))
            .map((a) => a.split("/").pop() as string);
    const first = keys.length > 0 ? roles(keys[0]) : [];
    return first.find((name) => keys.every((k) => roles(k).includes(name))) ?? first[0] ?? "pulumi-deploy";
}

/*
 * The stack file has not been validated when the facts are derived (the program validates it, and must be the one to
 * report its mistakes), so every value is read defensively: a value of the wrong shape describes nothing.
 */

/** The parsed config value whose key ends with `suffix`, or undefined when absent or not JSON. */
function configValue(config: Record<string, string>, suffix: string): unknown {
    const raw = Object.entries(config).find(([k]) => k.endsWith(suffix))?.[1];
    try {
        return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
    } catch {
        return undefined;
    }
}

function objectOf(value: unknown): Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {};
}

function stringsOf(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function stringOf(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/**
 * The account a stack file describes (`config` as the CLI passes it): the account of aws:allowedAccountIds, the
 * deploying role of `deployingRoleOf` in an assumed-role session, every principal the keys name, the VPC and subnets
 * the endpoint names (DNS support and host names on; subnets named by id get consecutive /24s of 10.0.0.0/16 in zones
 * a, c and d), and the KMS endpoint service in zones a, c and d.
 */
export function factsFromStack(config: Record<string, string>): AccountFacts {
    const region = config["aws:region"] ?? "us-east-1";
    const accountId = stringsOf(configValue(config, "aws:allowedAccountIds"))[0] ?? placeholderAccountId;
    const { partition } = partitionOf(region);
    const keys = Object.values(objectOf(configValue(config, ":keys"))).map(objectOf);
    const refs = [
        ...keys.flatMap((k) => [...stringsOf(k.administrators), ...stringsOf(k.users), ...stringsOf(k.auditors)]),
        ...stringsOf(configValue(config, ":auditors")),
    ];
    const principals = [
        ...new Set(
            refs
                .map((ref) => (ref.startsWith("arn:") ? ref : `arn:${partition}:iam::${accountId}:${ref}`))
                .filter((arn) => arn.split(":")[4] === accountId),
        ),
    ];
    const zones = ["a", "c", "d"].map((z) => `${region}${z}`);
    const facts: AccountFacts = {
        accountId,
        partition,
        callerArn: `arn:${partition}:sts::${accountId}:assumed-role/${deployingRoleOf(keys)}/offline-plan`,
        principals,
        vpcs: [],
        subnets: [],
        endpointServices: { [`com.amazonaws.${region}.kms`]: { availabilityZones: zones } },
    };
    const endpointValue = configValue(config, ":vpcEndpoint");
    if (endpointValue !== undefined) {
        const endpoint = objectOf(endpointValue);
        const cidrBlock = stringOf(endpoint.vpcCidrBlock) ?? "10.0.0.0/16";
        const vpcId = stringOf(endpoint.vpcId) ?? placeholderId("vpc", `${accountId}/${cidrBlock}`);
        facts.vpcs.push({ id: vpcId, cidrBlock, enableDnsSupport: true, enableDnsHostnames: true });
        for (const subnetId of stringsOf(endpoint.subnetIds)) {
            const n = parseInt(createHash("sha256").update(subnetId).digest("hex").slice(0, 4), 16) % 250;
            facts.subnets.push({
                id: subnetId,
                vpcId,
                cidrBlock: `10.0.${n + 1}.0/24`,
                availabilityZone: zones[n % 3],
            });
        }
        for (const subnet of (Array.isArray(endpoint.subnets) ? endpoint.subnets : []).map(objectOf)) {
            const subnetCidr = stringOf(subnet.cidrBlock) ?? "";
            const zone = stringOf(subnet.availabilityZone) ?? "";
            facts.subnets.push({
                id: placeholderId("subnet", `${vpcId}/${subnetCidr}/${zone}`),
                vpcId,
                cidrBlock: subnetCidr,
                availabilityZone: zone,
            });
        }
    }
    return facts;
}

/**
 * The one item that matches every field the look-up sets, as the provider's singular data sources find it
 * (internal/service/ec2/vpc_data_source.go and vpc_subnet_data_source.go), failing with the provider's messages
 * (tfresource.SingularDataSourceFindError) when none or several match.
 */
function singular<T extends { id: string }>(
    items: T[],
    args: Record<string, unknown>,
    fields: readonly (keyof T & string)[],
    name: string,
    arn: (item: T) => string,
    accountId: string,
): Record<string, unknown> {
    const matches = items.filter((item) => fields.every((f) => args[f] === undefined || item[f] === args[f]));
    if (matches.length !== 1) {
        throw new Error(
            matches.length === 0
                ? `no matching ${name} found`
                : `multiple ${name}s matched; use additional constraints to reduce matches to a single ${name}`,
        );
    }
    return { ...matches[0], ownerId: accountId, state: "available", arn: arn(matches[0]) };
}

/** Answers one of the program's look-ups from `facts`; a look-up that finds nothing fails as the provider's does. */
export function answerFromFacts(
    facts: AccountFacts,
    region: string,
    token: string,
    args: Record<string, unknown>,
): Record<string, unknown> {
    const { accountId, partition } = facts;
    const { dnsSuffix } = partitionOf(region);
    const ec2Arn = (type: string) => (item: { id: string }) =>
        `arn:${partition}:ec2:${region}:${accountId}:${type}/${item.id}`;
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId,
                arn: facts.callerArn,
                userId: `AROA${createHash("sha256").update(facts.callerArn).digest("hex").slice(0, 17).toUpperCase()}:session`,
                id: accountId,
            };
        case "aws:index/getPartition:getPartition":
            return { partition, dnsSuffix, reverseDnsPrefix: "com.amazonaws", id: partition };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.${dnsSuffix}` };
        case "aws:iam/getRole:getRole":
        case "aws:iam/getUser:getUser": {
            const role = token === "aws:iam/getRole:getRole";
            const name = String(role ? args.name : args.userName);
            const arn = facts.principals.find(
                (p) => p.split(":")[5]?.startsWith(role ? "role/" : "user/") && p.split("/").pop() === name,
            );
            if (arn === undefined) {
                // IAM's own error for a principal that does not exist.
                throw new Error(`NoSuchEntity: The ${role ? "role" : "user"} with name ${name} cannot be found.`);
            }
            const uniqueId = `${role ? "AROA" : "AIDA"}${createHash("sha256").update(arn).digest("hex").slice(0, 17).toUpperCase()}`;
            return { id: name, arn, name, userName: name, uniqueId, roleId: uniqueId, userId: uniqueId };
        }
        case "aws:ec2/getVpcEndpointService:getVpcEndpointService": {
            const serviceName = `com.amazonaws.${region}.${String(args.service)}`;
            const service = facts.endpointServices[serviceName];
            if (service === undefined) {
                throw new Error(`no matching EC2 VPC Endpoint Service found`);
            }
            return {
                id: serviceName,
                serviceName,
                serviceType: "Interface",
                availabilityZones: service.availabilityZones,
            };
        }
        case "aws:ec2/getVpc:getVpc":
            return singular(facts.vpcs, args, ["id", "cidrBlock"], "EC2 VPC", ec2Arn("vpc"), accountId);
        case "aws:ec2/getSubnet:getSubnet":
            return singular(
                facts.subnets,
                args,
                ["id", "vpcId", "cidrBlock", "availabilityZone"],
                "EC2 Subnet",
                ec2Arn("subnet"),
                accountId,
            );
        default:
            throw new Error(`the account description cannot answer the look-up ${token}`);
    }
}
