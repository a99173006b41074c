/**
 * THE STAND-IN AWS PROVIDER: the one imitation in the end-to-end suite. The real `pulumi-resource-aws` cannot be built
 * here, so this answers the engine at the provider boundary, through `@pulumi/pulumi/provider`'s own gRPC server, for
 * exactly the types and look-ups the program uses. Everything on the other side of that boundary (CLI, engine,
 * language host, SDK, policy pack) is Pulumi's own.
 *
 * What it does like the real provider, with the source of each fact (terraform-provider-aws, which pulumi-aws v7
 * wraps, and AWS's documentation):
 * - replacement: exactly the properties the provider forces new (`replaceOnChange` below);
 * - read-back: ids, ARNs and computed outputs in AWS's formats; a key created without a policy reads back AWS's
 *   default key policy; a key policy compared by policy equivalence, not text;
 * - deletion: a key is scheduled for deletion with its window, and only if its key policy lets the caller do that.
 * It keeps "AWS" in a JSON file (`KMS_STANDIN_STATE`), so a refresh reads back what an `up` created and a test can
 * change a resource out of band; every call goes to a journal (`KMS_STANDIN_JOURNAL`, one JSON object per line), so
 * tests assert what the engine asked AWS to do. Look-ups answer from one account description (`KMS_STANDIN_ACCOUNT`).
 *
 * One known difference: the SDK's provider server does not announce preview support, so at `preview` the engine
 * plans an updated resource's outputs from its new inputs alone; a computed output (a key's id) is then unknown in
 * the preview and its dependents (the alias) show an update that the real provider, which plans updates itself,
 * would not show. `up` is not affected.
 */
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import { AccountFacts, answerFromFacts } from "../../../tools/lib/facts";

/** The AWS account a stack deploys to, as its look-ups see it. */
/** The account "AWS" is: the same description the offline plan answers from, and its region. */
export type AccountDescription = AccountFacts & { region: string };

/** One resource as "AWS" holds it: its id, its outputs, and the inputs the engine last sent. */
export interface StoredResource {
    type: string;
    id: string;
    outputs: Record<string, unknown>;
    inputs: Record<string, unknown>;
}

/** The file "AWS" keeps its resources in. */
export interface AwsState {
    resources: Record<string, StoredResource>;
}

/** One journal line: what the engine asked for. */
export interface JournalEntry {
    op: "check" | "diff" | "create" | "read" | "update" | "delete" | "invoke";
    type?: string;
    urn?: string;
    id?: string;
    token?: string;
    inputs?: Record<string, unknown>;
    result?: unknown;
    error?: string;
}

/** The engine's placeholder for a value not known during preview. */
export const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Properties whose change replaces the resource, by Pulumi type, with the schema each comes from (ForceNew in
 * terraform-provider-aws). Properties that update in place are everything else the program sets.
 */
export const replaceOnChange: Readonly<Record<string, readonly string[]>> = {
    // internal/service/kms/key.go: key_usage, customer_master_key_spec, custom_key_store_id, xks_key_id, multi_region
    "aws:kms/key:Key": ["keyUsage", "customerMasterKeySpec", "customKeyStoreId", "xksKeyId", "multiRegion"],
    // internal/service/kms/alias.go: name, name_prefix (target_key_id updates in place)
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    // internal/service/ec2/vpc_security_group.go: name, name_prefix, description, vpc_id
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    // internal/service/ec2/vpc_security_group_ingress_rule.go: security_group_id and the kind of source
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
        "securityGroupId",
        "cidrIpv4",
        "cidrIpv6",
        "prefixListId",
        "referencedSecurityGroupId",
    ],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
        "securityGroupId",
        "cidrIpv4",
        "cidrIpv6",
        "prefixListId",
        "referencedSecurityGroupId",
    ],
    // internal/service/ec2/vpc_endpoint.go: vpc_id, service_name, vpc_endpoint_type, service_region, ...;
    // private_dns_enabled only for non-Interface endpoints, so not here (the program's endpoint is Interface)
    "aws:ec2/vpcEndpoint:VpcEndpoint": [
        "vpcId",
        "serviceName",
        "vpcEndpointType",
        "serviceRegion",
        "resourceConfigurationArn",
        "serviceNetworkArn",
    ],
    // internal/service/events/rule.go: name, name_prefix, event_bus_name
    "aws:cloudwatch/eventRule:EventRule": ["name", "namePrefix", "eventBusName"],
    // internal/service/events/target.go: rule, target_id, event_bus_name
    "aws:cloudwatch/eventTarget:EventTarget": ["rule", "targetId", "eventBusName"],
    // internal/service/sns/topic.go: name, name_prefix, fifo_topic
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    // internal/service/sns/topic_policy.go: arn
    "aws:sns/topicPolicy:TopicPolicy": ["arn"],
    // internal/service/sns/topic_subscription.go: topic_arn, protocol, endpoint (for protocols that cannot update)
    "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
};

/** The types the stand-in serves; anything else is refused with a message naming it. */
export const servedTypes = Object.keys(replaceOnChange);

/** The look-ups the stand-in answers. */
export const servedInvokes = [
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:index/getPartition:getPartition",
    "aws:index/getRegion:getRegion",
    "aws:ec2/getVpc:getVpc",
    "aws:ec2/getSubnet:getSubnet",
] as const;

/** The type part of a URN, without its parents' types (`a$b$aws:kms/key:Key` -> `aws:kms/key:Key`). */
export function typeOfUrn(urn: string): string {
    return urn.split("::")[2].split("$").pop() as string;
}

/** The name part of a URN. */
export function nameOfUrn(urn: string): string {
    return urn.split("::")[3];
}

function hexId(seed: string, length = 17): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/**
 * AWS's default key policy, which a key created without one reads back: the account root gets `kms:*`.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export function defaultKeyPolicy(account: AccountDescription): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Id: "key-default-1",
        Statement: [
            {
                Sid: "Enable IAM User Permissions",
                Effect: "Allow",
                Principal: { AWS: `arn:${account.partition}:iam::${account.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    });
}

/**
 * A policy document in the canonical form hashicorp/awspolicyequivalence compares (which the provider uses for key
 * and endpoint policies): key order, statement order, action order and a string vs a one-element list do not matter;
 * Version, Id, Sid and the `"*"` vs `{"AWS": "*"}` principal spelling do.
 */
export function canonicalPolicy(text: string): string {
    const canonical = (value: unknown): unknown => {
        if (Array.isArray(value)) {
            const items = value.map(canonical);
            return items.every((i) => typeof i === "string") ? [...new Set(items as string[])].sort() : items;
        }
        if (value !== null && typeof value === "object") {
            const out: Record<string, unknown> = {};
            for (const key of Object.keys(value).sort()) {
                const v = canonical((value as Record<string, unknown>)[key]);
                out[key] = typeof v === "string" && key !== "Version" && key !== "Id" && key !== "Sid" ? [v] : v;
            }
            return out;
        }
        return value;
    };
    const doc = JSON.parse(text) as { Statement?: unknown };
    const statements = [doc.Statement ?? []].flat().map((s) => JSON.stringify(canonical(s)));
    const rest = canonical({ ...doc, Statement: undefined }) as Record<string, unknown>;
    delete rest.Statement;
    return JSON.stringify({ ...rest, Statement: statements.sort() });
}

function isPolicyProperty(type: string, property: string): boolean {
    return (
        property === "policy" &&
        (type === "aws:kms/key:Key" ||
            type === "aws:ec2/vpcEndpoint:VpcEndpoint" ||
            type === "aws:sns/topicPolicy:TopicPolicy")
    );
}

function sameValue(type: string, property: string, before: unknown, after: unknown): boolean {
    if (isPolicyProperty(type, property) && typeof before === "string" && typeof after === "string") {
        try {
            return canonicalPolicy(before) === canonicalPolicy(after);
        } catch {
            return before === after;
        }
    }
    if (Array.isArray(before) && Array.isArray(after) && property.endsWith("Ids")) {
        // Sets in the provider's schema (subnet_ids, security_group_ids): order does not matter.
        return JSON.stringify([...before].sort()) === JSON.stringify([...after].sort());
    }
    return JSON.stringify(before ?? null) === JSON.stringify(after ?? null);
}

function containsUnknown(value: unknown): boolean {
    if (value === unknown) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}

/** The result of a diff: which properties change, and which of those replace the resource. */
export interface DiffOutcome {
    changed: string[];
    replaces: string[];
}

/**
 * Compares the new inputs with the stored state, property by property, as the provider's diff does: a property the
 * program does not set keeps its computed value (no diff); an unknown new value is a change.
 */
export function diffProperties(
    type: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): DiffOutcome {
    const changed: string[] = [];
    for (const [property, after] of Object.entries(news)) {
        if (property === "__defaults") {
            continue;
        }
        if (containsUnknown(after) || !sameValue(type, property, olds[property], after)) {
            changed.push(property);
        }
    }
    const forcing = replaceOnChange[type] ?? [];
    return { changed: changed.sort(), replaces: changed.filter((p) => forcing.includes(p)).sort() };
}

/** Ids in AWS's formats. */
export function newId(type: string, inputs: Record<string, unknown>, account?: AccountDescription): string {
    const seed = randomUUID();
    switch (type) {
        case "aws:kms/key:Key":
            return seed;
        case "aws:kms/alias:Alias":
            return inputs.name as string;
        case "aws:ec2/securityGroup:SecurityGroup":
            return `sg-${hexId(seed)}`;
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
            return `sgr-${hexId(seed)}`;
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            return `vpce-${hexId(seed)}`;
        case "aws:cloudwatch/eventRule:EventRule":
            // A rule on the default bus is known by its name.
            return inputs.name as string;
        case "aws:cloudwatch/eventTarget:EventTarget":
            return `${inputs.rule as string}-${inputs.targetId as string}`;
        case "aws:sns/topic:Topic":
            // A topic is known by its ARN.
            return `arn:${account?.partition}:sns:${account?.region}:${account?.accountId}:${inputs.name as string}`;
        case "aws:sns/topicPolicy:TopicPolicy":
            // AWS knows it by the topic's ARN too; the stand-in keeps its state by id, so it adds a suffix.
            return `${inputs.arn as string}#policy`;
        case "aws:sns/topicSubscription:TopicSubscription":
            return `${inputs.topic as string}:${seed}`;
        default:
            throw new Error(`the stand-in AWS provider does not serve ${type}`);
    }
}

/** The outputs AWS and the provider report for a new resource: the inputs, the provider's defaults, computed values. */
export function outputsOf(
    type: string,
    name: string,
    id: string,
    inputs: Record<string, unknown>,
    account: AccountDescription,
    state: AwsState,
): Record<string, unknown> {
    const { partition, region, accountId } = account;
    const tags = (inputs.tags as Record<string, string> | undefined) ?? {};
    const common = { ...inputs, region, tags, tagsAll: tags };
    switch (type) {
        case "aws:kms/key:Key": {
            const rotation = inputs.enableKeyRotation === true;
            return {
                keyUsage: "ENCRYPT_DECRYPT",
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                multiRegion: false,
                isEnabled: true,
                bypassPolicyLockoutSafetyCheck: false,
                description: "",
                customKeyStoreId: "",
                xksKeyId: "",
                ...common,
                enableKeyRotation: rotation,
                // Read only for keys with origin AWS_KMS and rotation on; AWS's default period is 365 days.
                rotationPeriodInDays: rotation ? ((inputs.rotationPeriodInDays as number | undefined) ?? 365) : 0,
                policy: (inputs.policy as string | undefined) ?? defaultKeyPolicy(account),
                keyId: id,
                arn: `arn:${partition}:kms:${region}:${accountId}:key/${id}`,
            };
        }
        case "aws:kms/alias:Alias": {
            const targetKeyId = inputs.targetKeyId as string;
            const target = Object.values(state.resources).find(
                (r) => r.type === "aws:kms/key:Key" && (r.id === targetKeyId || r.outputs.arn === targetKeyId),
            );
            return {
                ...inputs,
                region,
                namePrefix: "",
                arn: `arn:${partition}:kms:${region}:${accountId}:${id}`,
                targetKeyArn: target?.outputs.arn ?? `arn:${partition}:kms:${region}:${accountId}:key/${targetKeyId}`,
            };
        }
        case "aws:ec2/securityGroup:SecurityGroup":
            return {
                description: "Managed by Pulumi",
                ...common,
                name: (inputs.name as string | undefined) ?? `${name}-${hexId(id, 7)}`,
                namePrefix: "",
                ingress: [],
                egress: [],
                revokeRulesOnDelete: false,
                ownerId: accountId,
                arn: `arn:${partition}:ec2:${region}:${accountId}:security-group/${id}`,
            };
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
            return {
                ...common,
                securityGroupRuleId: id,
                arn: `arn:${partition}:ec2:${region}:${accountId}:security-group-rule/${id}`,
            };
        case "aws:ec2/vpcEndpoint:VpcEndpoint": {
            const service = String(inputs.serviceName ?? "")
                .split(".")
                .pop();
            const subnetIds = (inputs.subnetIds as string[] | undefined) ?? [];
            const zoneEntries = subnetIds.map((subnetId) => {
                const zone = account.subnets.find((s) => s.id === subnetId)?.availabilityZone ?? region;
                return { dnsName: `${id}-${hexId(subnetId, 8)}-${zone}.${service}.${region}.vpce.amazonaws.com` };
            });
            const dnsEntries = [
                { dnsName: `${id}-${hexId(id, 8)}.${service}.${region}.vpce.amazonaws.com` },
                ...zoneEntries,
                ...(inputs.privateDnsEnabled === true ? [{ dnsName: `${service}.${region}.amazonaws.com` }] : []),
            ].map((entry) => ({ ...entry, hostedZoneId: "Z2LGFPIY0WFHCL" }));
            return {
                vpcEndpointType: "Gateway",
                ipAddressType: "ipv4",
                autoAccept: false,
                ...common,
                // An endpoint without a policy has AWS's full-access policy.
                policy:
                    (inputs.policy as string | undefined) ??
                    JSON.stringify({
                        Statement: [{ Action: "*", Effect: "Allow", Principal: "*", Resource: "*" }],
                    }),
                dnsEntries,
                networkInterfaceIds: subnetIds.map((s) => `eni-${hexId(`${id}/${s}`)}`),
                cidrBlocks: [],
                prefixListId: "",
                requesterManaged: false,
                state: "available",
                ownerId: accountId,
                arn: `arn:${partition}:ec2:${region}:${accountId}:vpc-endpoint/${id}`,
            };
        }
        case "aws:cloudwatch/eventRule:EventRule":
            return {
                eventBusName: "default",
                state: "ENABLED",
                description: "",
                ...common,
                namePrefix: "",
                arn: `arn:${partition}:events:${region}:${accountId}:rule/${id}`,
            };
        case "aws:cloudwatch/eventTarget:EventTarget":
            return { eventBusName: "default", ...inputs, region };
        case "aws:sns/topic:Topic":
            return {
                fifoTopic: false,
                ...common,
                namePrefix: "",
                owner: accountId,
                arn: id,
            };
        case "aws:sns/topicPolicy:TopicPolicy":
            return { ...inputs, region, owner: accountId };
        case "aws:sns/topicSubscription:TopicSubscription":
            return { ...inputs, region, arn: id, ownerId: accountId, pendingConfirmation: inputs.protocol === "email" };
        default:
            throw new Error(`the stand-in AWS provider does not serve ${type}`);
    }
}

/** The ARN of the role behind an assumed-role session (a role's session acts as its role in a key policy). */
export function principalOfCaller(callerArn: string): string {
    const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
    return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

/**
 * Whether a key policy lets the caller call an action without conditions: an Allow naming the caller's role (or the
 * account, which delegates to IAM; the stand-in takes the deploying role's IAM policy to allow it) with the action or
 * `kms:*`. Enough for the calls the suite makes; AWS's full evaluation is the IAM engine's job in the unit tests.
 */
export function keyPolicyAllows(policy: string, action: string, account: AccountDescription): boolean {
    const caller = principalOfCaller(account.callerArn);
    const root = `arn:${account.partition}:iam::${account.accountId}:root`;
    const statements = [(JSON.parse(policy) as { Statement?: unknown }).Statement ?? []].flat() as {
        Effect?: string;
        Principal?: unknown;
        Action?: unknown;
        Condition?: unknown;
    }[];
    return statements.some((s) => {
        const principals =
            typeof s.Principal === "object" && s.Principal !== null
                ? [(s.Principal as { AWS?: unknown }).AWS ?? []].flat()
                : [s.Principal];
        const actions = [s.Action ?? []].flat();
        return (
            s.Effect === "Allow" &&
            s.Condition === undefined &&
            principals.some((p) => p === caller || p === root || p === account.accountId) &&
            actions.some((a) => a === action || a === "kms:*")
        );
    });
}

/** Reads the "AWS" state file, empty when it does not exist yet. */
export function loadState(file: string): AwsState {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as AwsState) : { resources: {} };
}

/** Writes the "AWS" state file whole (atomically, so a reader never sees half of it). */
export function saveState(file: string, state: AwsState): void {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
    fs.renameSync(`${file}.tmp`, file);
}

/** The look-ups, answered from the account description; a look-up that finds nothing fails as the provider's does. */
export function answerInvoke(
    token: string,
    args: Record<string, unknown>,
    account: AccountDescription,
): Record<string, unknown> {
    return answerFromFacts(account, account.region, token, args);
}
