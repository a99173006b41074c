/**
 * Synthetic stacks for the policy pack benchmark: thousands of keys registered exactly the way index.ts registers
 * its two keys and its endpoint, so that the pack does the same work per resource as on a real preview.
 *
 * The shapes (types, URNs, parents, input and output properties, resource options, dependencies and unknowns) are
 * those of `runProgram("production")`; test/bench/fixtures.spec.ts compares them with a real run, so the
 * benchmark notices when the program changes and this file has not followed. Everything is deterministic: the same
 * options always give the same stack, byte for byte.
 */
import { createHash } from "crypto";
import { buildEndpointPolicy, buildKeyPolicy, KeyPolicyInput } from "../components/accessPolicies";
import { IntegratedService } from "../config/stackConfig";
import { plannedState, RegisteredResource, unknownValue } from "../tools/lib/programRunner";

/** What a synthetic stack holds and where it pretends to live. */
export interface SyntheticStackOptions {
    /** Number of KMS keys, each with its KmsKey component and its alias. */
    keys: number;
    /**
     * One KMS VPC endpoint (component, security group, ingress rule, endpoint) per this many keys, rounded up.
     * @default 100
     */
    keysPerEndpoint?: number;
    /**
     * Seed of the generator that picks each key's principals and options.
     * @default 1
     */
    seed?: number;
    /** @default "bench" */
    stack?: string;
    /** @default "kms-keys" */
    project?: string;
    /** The deploying account, as in Pulumi.production.yaml. @default "111111111111" */
    accountId?: string;
    /** @default "ap-northeast-1" */
    region?: string;
    /**
     * Principals (`role/<name>` or ARNs of the deploying account) each key's 1 to 3 administrators are drawn from:
     * a stack's policy config may name the only principals allowed to administer keys.
     * @default six administrator roles
     */
    administrators?: readonly string[];
    /**
     * Accounts whose principals may use some keys (crossAccountUsers). Empty: no key has cross-account users.
     * @default []
     */
    crossAccountIds?: string[];
    /**
     * Share of keys (0 to 1) that name cross-account users, when `crossAccountIds` is not empty.
     * @default 0.1
     */
    crossAccountShare?: number;
}

/** How many resources of each kind a synthetic stack has. */
export interface SyntheticStackCounts {
    keys: number;
    endpoints: number;
    /** Every registration, the root stack included: what `Analyze` and `AnalyzeStack` are sent. */
    resources: number;
}

/** Resource counts of a stack with `keys` keys and one endpoint per `keysPerEndpoint` keys. */
export function syntheticStackCounts(keys: number, keysPerEndpoint = 100): SyntheticStackCounts {
    const endpoints = Math.ceil(keys / keysPerEndpoint);
    // Root stack; per key: component, key, alias; per endpoint: component, security group, ingress rule, endpoint.
    return { keys, endpoints, resources: 1 + 3 * keys + 4 * endpoints };
}

const KEY_COMPONENT = "kms-keys:kms:KmsKey";
const ENDPOINT_COMPONENT = "kms-keys:network:KmsVpcEndpoint";
const KEY = "aws:kms/key:Key";
const ALIAS = "aws:kms/alias:Alias";
const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

/** Roles that manage keys. Disjoint from the users below: a principal may not be both (buildKeyPolicy refuses). */
export const defaultAdministrators: readonly string[] = [
    "role/KmsKeyAdministrator",
    "role/pulumi-deploy",
    "role/SecurityEngineering",
    "role/PlatformKeyCustodian",
    "role/BreakGlassKeyAdmin",
    "role/ComplianceKeyManager",
];

/** Principals that use keys, per integrated service; `user/` entries stand for the odd IAM user. */
const userPrincipals: Record<IntegratedService, string[]> = {
    rds: [
        "role/AuroraProvisioner",
        "role/DatabaseAdministrator",
        "role/BillingServiceDb",
        "role/OrdersServiceDb",
        "role/ReportingEtl",
        "role/DbMigrationRunner",
        "user/db-break-glass",
    ],
    es: [
        "role/OpenSearchProvisioner",
        "role/SearchAdministrator",
        "role/LogIngestion",
        "role/SearchIndexer",
        "role/ObservabilityPlatform",
        "user/search-break-glass",
    ],
};

/** A small, fast, seedable generator (mulberry32): the same seed gives the same stack on every machine. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function pick<T>(random: () => number, from: readonly T[], min: number, max: number): T[] {
    const count = min + Math.floor(random() * (max - min + 1));
    const pool = [...from];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) {
        chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    }
    return chosen;
}

function hexId(prefix: string, seed: string): string {
    return `${prefix}-${createHash("sha256").update(seed).digest("hex").slice(0, 17)}`;
}

/** A key's place in the stack's names: zero-padded so that names sort in key order. */
function keyName(index: number, width: number): string {
    return `key-${String(index + 1).padStart(width, "0")}`;
}

/** Who a generated key policy may name. */
export interface PrincipalPools {
    accountId: string;
    administrators: readonly string[];
    crossAccountIds: readonly string[];
    crossAccountShare: number;
}

/**
 * The inputs of one key's policy: 1 to 3 administrators and 1 to 4 users, some written as full ARNs, some keys with
 * deletion allowed or with users in other accounts, as a large organisation's stack files would have them.
 */
export function keyPolicyInputFor(
    random: () => number,
    service: IntegratedService,
    pools: PrincipalPools,
): KeyPolicyInput {
    const { accountId, crossAccountIds, crossAccountShare } = pools;
    const asArn = (ref: string) =>
        !ref.startsWith("arn:") && random() < 0.25 ? `arn:aws:iam::${accountId}:${ref}` : ref;
    const crossAccount = crossAccountIds.length > 0 && random() < crossAccountShare;
    return {
        integratedService: service,
        administrators: pick(random, pools.administrators, 1, 3).map(asArn),
        users: pick(random, userPrincipals[service], 1, 4).map(asArn),
        crossAccountUsers: crossAccount
            ? pick(random, crossAccountIds, 1, Math.min(2, crossAccountIds.length)).map(
                  (account) => `arn:aws:iam::${account}:role/${service === "rds" ? "ReplicaReader" : "SearchReader"}`,
              )
            : [],
        auditors: random() < 0.5 ? pick(random, pools.administrators, 1, 1) : [],
        allowKeyDeletion: random() < 0.2,
        accountRootRecovery: random() < 0.9,
        allowAccountRootFullAccess: false,
    };
}

/** The engine's record of a property map that depends on nothing: every key present, each with no URNs. */
function noDependencies(inputs: Record<string, unknown>): Record<string, string[]> {
    return Object.fromEntries(Object.keys(inputs).map((k) => [k, [] as string[]]));
}

/**
 * A stack of `options.keys` keys (KmsKey component, key, alias), plus one KMS VPC endpoint per
 * `keysPerEndpoint` keys, as `runProgram` returns registrations in a preview: aliases' `targetKeyId` and the
 * endpoints' security group ids are unknown and linked by `propertyDependencies`, outputs are the inputs.
 */
export function syntheticStack(options: SyntheticStackOptions): RegisteredResource[] {
    const {
        keys,
        keysPerEndpoint = 100,
        seed = 1,
        stack = "bench",
        project = "kms-keys",
        accountId = "111111111111",
        region = "ap-northeast-1",
        administrators = defaultAdministrators,
        crossAccountIds = [],
        crossAccountShare = 0.1,
    } = options;
    if (!Number.isInteger(keys) || keys < 1) {
        throw new RangeError(`syntheticStack: keys must be a positive integer, got ${keys}`);
    }
    if (administrators.length === 0) {
        throw new RangeError("syntheticStack: administrators must name at least one principal");
    }
    if (!Number.isInteger(keysPerEndpoint) || keysPerEndpoint < 1) {
        throw new RangeError(`syntheticStack: keysPerEndpoint must be a positive integer, got ${keysPerEndpoint}`);
    }
    const random = seededRandom(seed);
    const account = { accountId, partition: "aws", region };
    const pools: PrincipalPools = { accountId, administrators, crossAccountIds, crossAccountShare };
    const urn = (type: string, name: string, parentType?: string) =>
        `urn:pulumi:${stack}::${project}::${parentType ? `${parentType}$${type}` : type}::${name}`;
    const rootUrn = urn("pulumi:pulumi:Stack", `${project}-${stack}`);
    const baseTags = { CostCenter: "platform-security", Environment: stack, ManagedBy: "Pulumi" };
    const resources: RegisteredResource[] = [];

    const component = (type: string, name: string): RegisteredResource => ({
        urn: urn(type, name),
        type,
        name,
        custom: false,
        parent: rootUrn,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        propertyDependencies: {},
        inputs: {},
        outputs: {},
    });
    const custom = (
        parent: RegisteredResource,
        type: string,
        name: string,
        inputs: Record<string, unknown>,
        links: Record<string, string> = {},
        flags: { protect?: boolean; retainOnDelete?: boolean } = {},
    ): RegisteredResource => {
        const propertyDependencies = noDependencies(inputs);
        for (const [property, target] of Object.entries(links)) {
            propertyDependencies[property] = [target];
        }
        return {
            urn: urn(type, name, parent.type),
            type,
            name,
            custom: true,
            parent: parent.urn,
            protect: flags.protect ?? false,
            retainOnDelete: flags.retainOnDelete ?? false,
            dependencies: [...new Set(Object.values(links))],
            propertyDependencies,
            inputs,
            // A preview's planned state: the inputs, with every computed output (ids, ARNs) still unknown.
            outputs: plannedState(type, name, { region, accountId, partition: "aws" }, inputs),
        };
    };

    resources.push({
        urn: rootUrn,
        type: "pulumi:pulumi:Stack",
        name: `${project}-${stack}`,
        custom: false,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        propertyDependencies: {},
        inputs: {},
        outputs: {},
    });

    const width = String(keys).length;
    for (let i = 0; i < keys; i++) {
        const name = keyName(i, width);
        const service: IntegratedService = random() < 0.5 ? "rds" : "es";
        const policy = buildKeyPolicy(keyPolicyInputFor(random, service, pools), account);
        const parent = component(KEY_COMPONENT, name);
        const serviceTag = service === "rds" ? "Aurora-PostgreSQL" : "OpenSearch";
        const key = custom(
            parent,
            KEY,
            `${name}-key`,
            {
                bypassPolicyLockoutSafetyCheck: false,
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                deletionWindowInDays: 30,
                description: `${serviceTag} encryption key ${i + 1}`,
                enableKeyRotation: true,
                isEnabled: true,
                keyUsage: "ENCRYPT_DECRYPT",
                multiRegion: false,
                policy: JSON.stringify(policy),
                rotationPeriodInDays: 365,
                tags: { ...baseTags, Name: `${name}-kms-key`, Service: serviceTag },
            },
            {},
            { protect: true, retainOnDelete: true },
        );
        const alias = custom(
            parent,
            ALIAS,
            `${name}-alias`,
            { name: `alias/${service === "rds" ? "aurora" : "opensearch"}-${name}`, targetKeyId: unknownValue },
            { targetKeyId: key.urn },
        );
        resources.push(parent, key, alias);
    }

    const endpoints = syntheticStackCounts(keys, keysPerEndpoint).endpoints;
    const endpointWidth = String(endpoints).length;
    const endpointPolicy = JSON.stringify(buildEndpointPolicy(accountId));
    for (let e = 0; e < endpoints; e++) {
        const name = `kms-${String(e + 1).padStart(endpointWidth, "0")}`;
        const vpcCidrBlock = `10.${e % 256}.0.0/16`;
        const vpcId = hexId("vpc", `${accountId}/${name}/${vpcCidrBlock}`);
        const tags = { ...baseTags, Name: "kms-vpc-endpoint" };
        const parent = component(ENDPOINT_COMPONENT, name);
        const group = custom(parent, SECURITY_GROUP, `${name}-sg`, {
            description: "HTTPS to the KMS interface endpoint from inside the VPC",
            tags,
            vpcId,
        });
        const ingress = custom(
            parent,
            INGRESS_RULE,
            `${name}-https-from-vpc`,
            {
                cidrIpv4: vpcCidrBlock,
                description: "HTTPS from the VPC",
                fromPort: 443,
                ipProtocol: "tcp",
                securityGroupId: unknownValue,
                toPort: 443,
            },
            { securityGroupId: group.urn },
        );
        const endpoint = custom(
            parent,
            VPC_ENDPOINT,
            `${name}-endpoint`,
            {
                policy: endpointPolicy,
                privateDnsEnabled: true,
                securityGroupIds: [unknownValue],
                serviceName: `com.amazonaws.${region}.kms`,
                subnetIds: [hexId("subnet", `${vpcId}/a`), hexId("subnet", `${vpcId}/c`)],
                tags,
                vpcEndpointType: "Interface",
                vpcId,
            },
            { securityGroupIds: group.urn },
        );
        resources.push(parent, group, ingress, endpoint);
    }
    return resources;
}

/** What every registration of one type looks like, independent of names and values. */
export interface TypeShape {
    custom: boolean;
    /** The parent's type, or "" for none. */
    parentType: string;
    protect: boolean;
    retainOnDelete: boolean;
    inputKeys: string[];
    outputKeys: string[];
    /** Input properties whose value is (or contains) the unknown sentinel. */
    unknownInputs: string[];
    /** Input properties linked to other resources, with the linked resources' types. */
    links: Record<string, string[]>;
    /** Types of the resources in `dependencies`. */
    dependencyTypes: string[];
}

function containsUnknown(value: unknown): boolean {
    if (value === unknownValue) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    return value !== null && typeof value === "object" && Object.values(value).some(containsUnknown);
}

/**
 * The shape of each resource type in a list of registrations. Fails if two registrations of one type differ in
 * shape: the benchmark copies one shape per type.
 */
export function shapesByType(resources: readonly RegisteredResource[]): Record<string, TypeShape> {
    const typeOf = new Map(resources.map((r) => [r.urn, r.type]));
    const types = (urns: string[]) => [...new Set(urns.map((u) => typeOf.get(u) ?? "(outside the stack)"))].sort();
    const shapes: Record<string, TypeShape> = {};
    for (const r of resources) {
        const shape: TypeShape = {
            custom: r.custom,
            parentType: r.parent ? (typeOf.get(r.parent) ?? "(outside the stack)") : "",
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            inputKeys: Object.keys(r.inputs).sort(),
            outputKeys: Object.keys(r.outputs).sort(),
            unknownInputs: Object.keys(r.inputs)
                .filter((k) => containsUnknown(r.inputs[k]))
                .sort(),
            links: Object.fromEntries(
                Object.entries(r.propertyDependencies)
                    .filter(([, urns]) => urns.length > 0)
                    .sort(([a], [b]) => (a < b ? -1 : 1))
                    .map(([k, urns]) => [k, types(urns)]),
            ),
            dependencyTypes: types(r.dependencies),
        };
        const seen = shapes[r.type];
        if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(shape)) {
            throw new Error(
                `shapesByType: two ${r.type} registrations differ: ${JSON.stringify(seen)} and ${JSON.stringify(shape)} (${r.urn})`,
            );
        }
        shapes[r.type] = shape;
    }
    return shapes;
}
