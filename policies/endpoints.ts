/**
 * Policies on interface VPC endpoints for AWS KMS: private DNS, several Availability Zones, security groups that
 * admit only HTTPS from private ranges, and an endpoint policy narrower than full access. Side-effect free.
 */
import * as aws from "@pulumi/aws";
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";

import {
    AllowedRanges,
    IngressRule,
    RFC1918_RANGES,
    ingressRuleProblems,
    parseAllowedRanges,
} from "./lib/ingressRules";
import { grantsAllKeyActions, kmsActionsOfStatement } from "./lib/kmsActions";
import { parsePolicyDocument } from "./lib/policyDocument";
import {
    IdIndex,
    Observed,
    describeResource,
    knownValue,
    linkedResources,
    observe,
    stringsOf,
} from "./lib/stackResources";
import { isAnyOf, readConfig } from "./lib/ruleHelpers";

/** `com.amazonaws.<region>.kms` and `...kms-fips`, and any other service name ending in `.kms`. */
const KMS_SERVICE_NAME = /^com\.amazonaws\.[a-z0-9-]+\.kms(-fips)?$|\.kms(-fips)?$/;

/**
 * Why an endpoint is not a KMS interface endpoint, or `undefined` if it is. AWS's default endpoint type is
 * Gateway, which KMS does not offer.
 */
export function notKmsInterfaceEndpoint(
    serviceName: string | undefined,
    vpcEndpointType: string | undefined,
): string | undefined {
    const service = serviceName ?? "";
    if (!KMS_SERVICE_NAME.test(service)) {
        return `the endpoint's service ${JSON.stringify(service)} is not AWS KMS`;
    }
    if (vpcEndpointType?.toLowerCase() !== "interface") {
        return `the endpoint's type is ${vpcEndpointType ?? "unset (Gateway)"}, not Interface`;
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Resource policies

/** `kms-vpc-endpoint-private-dns`: the KMS hostname resolves to the endpoint inside the VPC. */
export const kmsVpcEndpointPrivateDns: ResourceValidationPolicy = {
    name: "kms-vpc-endpoint-private-dns",
    description:
        "KMS interface endpoints must have private DNS enabled, so that the standard KMS hostname resolves to the " +
        "endpoint and calls from the VPC stay off the internet.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(aws.ec2.VpcEndpoint, (endpoint, args, reportViolation) => {
        const reason = notKmsInterfaceEndpoint(endpoint.serviceName, endpoint.vpcEndpointType);
        if (reason !== undefined) {
            return args.notApplicable(reason);
        }
        if (endpoint.privateDnsEnabled !== true) {
            const value =
                endpoint.privateDnsEnabled === undefined
                    ? "unset (AWS default false)"
                    : String(endpoint.privateDnsEnabled);
            reportViolation(
                `privateDnsEnabled is ${value}: clients resolve kms.<region>.amazonaws.com to the public KMS endpoint and ` +
                    `bypass this one. Set privateDnsEnabled: true.`,
            );
        }
    }),
};

const multiAzSchema: PolicyConfigSchema = {
    properties: {
        minSubnets: {
            type: "integer",
            minimum: 2,
            default: 2,
            description: "Fewest subnets (one per Availability Zone) a KMS endpoint must have a network interface in.",
        },
    },
};

/** Config of `kms-vpc-endpoint-multi-az`. */
export interface MultiAzConfig {
    minSubnets: number;
}

/** `kms-vpc-endpoint-multi-az`: the endpoint has interfaces in several subnets, so one zone's outage is survivable. */
export const kmsVpcEndpointMultiAz: ResourceValidationPolicy = {
    name: "kms-vpc-endpoint-multi-az",
    description:
        "KMS interface endpoints must have network interfaces in at least minSubnets subnets (one per Availability " +
        "Zone), so that KMS stays reachable when a zone fails.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: multiAzSchema,
    validateResource: validateResourceOfType(aws.ec2.VpcEndpoint, (endpoint, args, reportViolation) => {
        const reason = notKmsInterfaceEndpoint(endpoint.serviceName, endpoint.vpcEndpointType);
        if (reason !== undefined) {
            return args.notApplicable(reason);
        }
        const { minSubnets } = readConfig<MultiAzConfig>(args, multiAzSchema);
        // Only the lengths are read: subnet ids created in the same run are unknown in a preview.
        const subnets = Math.max(endpoint.subnetIds?.length ?? 0, endpoint.subnetConfigurations?.length ?? 0);
        if (subnets < minSubnets) {
            reportViolation(
                `The endpoint is in ${subnets} subnet${subnets === 1 ? "" : "s"}; at least ${minSubnets} (one per ` +
                    `Availability Zone) are required so that KMS stays reachable when a zone fails. Add subnetIds in other ` +
                    `Availability Zones.`,
            );
        }
    }),
};

/** The messages for statements of an endpoint policy that give full access; a missing policy is full access too. */
export function endpointPolicyProblems(policy: unknown): string[] {
    if (policy === undefined || policy === null || policy === "") {
        return [
            "The endpoint has no policy, so AWS applies full access: any principal, of any account, may use any KMS " +
                "action through it. Set a policy that admits only your accounts' principals, for example with an " +
                "aws:PrincipalAccount condition.",
        ];
    }
    const parsed = parsePolicyDocument(policy);
    if (!parsed.ok) {
        return [`The endpoint policy is ${parsed.error}. Fix the policy document.`];
    }
    const messages: string[] = [];
    for (const s of parsed.document.statements) {
        const anyone = (s.principal ?? []).some(
            (p) => p.kind === "*" || (p.kind.toUpperCase() === "AWS" && p.value === "*"),
        );
        const everyAction = grantsAllKeyActions(kmsActionsOfStatement(s.action, s.notAction));
        const everyResource = s.resource?.includes("*") === true;
        if (s.effect === "Allow" && anyone && everyAction && everyResource && s.conditions.length === 0) {
            messages.push(
                `Endpoint policy ${s.label} allows every KMS action on every key to any principal without a condition ` +
                    `(full access), so principals of other accounts can use their own keys through this VPC. Add a ` +
                    `condition such as "StringEquals": {"aws:PrincipalAccount": "<account>"}.`,
            );
        }
    }
    return messages;
}

/** `kms-vpc-endpoint-policy`: advisory, the endpoint policy is narrower than AWS's full-access default. */
export const kmsVpcEndpointPolicy: ResourceValidationPolicy = {
    name: "kms-vpc-endpoint-policy",
    description:
        "KMS interface endpoints should have an endpoint policy narrower than full access (a missing policy means full " +
        "access), for example one that admits only your accounts' principals.",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: validateResourceOfType(aws.ec2.VpcEndpoint, (endpoint, args, reportViolation) => {
        const reason = notKmsInterfaceEndpoint(endpoint.serviceName, endpoint.vpcEndpointType);
        if (reason !== undefined) {
            return args.notApplicable(reason);
        }
        endpointPolicyProblems(endpoint.policy).forEach((m) => reportViolation(m));
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Stack policy: the endpoint's security groups

const securityGroupSchema: PolicyConfigSchema = {
    properties: {
        allowedIngressCidrs: {
            type: "array",
            items: { type: "string", minLength: 1 },
            minItems: 1,
            default: [...RFC1918_RANGES],
            description: "CIDR blocks (IPv4 or IPv6) that every source CIDR of an ingress rule must fall within.",
        },
    },
};

/** Config of `kms-vpc-endpoint-security-group`. */
export interface SecurityGroupConfig {
    allowedIngressCidrs: string[];
}

const isSecurityGroup = isAnyOf([aws.ec2.SecurityGroup]);
const isVpcEndpoint = isAnyOf([aws.ec2.VpcEndpoint]);
const isIngressRuleResource = isAnyOf([aws.vpc.SecurityGroupIngressRule]);
const isSecurityGroupRule = isAnyOf([aws.ec2.SecurityGroupRule]);

function isKmsInterfaceEndpoint(r: PolicyResource): boolean {
    if (!isVpcEndpoint(r)) {
        return false;
    }
    const type = observe(r, "vpcEndpointType");
    return notKmsInterfaceEndpoint(knownString(observe(r, "serviceName")), knownString(type)) === undefined;
}

function knownString(observed: Observed): string | undefined {
    const value = knownValue(observed);
    return typeof value === "string" ? value : undefined;
}

function knownNumber(observed: Observed): number | undefined {
    const value = knownValue(observed);
    return typeof value === "number" ? value : undefined;
}

/** An `aws.vpc.SecurityGroupIngressRule`, as an ingress rule. */
function fromIngressRuleResource(rule: PolicyResource): IngressRule {
    const get = (key: string) => observe(rule, key);
    return {
        protocol: knownString(get("ipProtocol")),
        fromPort: knownNumber(get("fromPort")),
        toPort: knownNumber(get("toPort")),
        ipv4Cidrs: stringsOf(get("cidrIpv4")),
        ipv6Cidrs: stringsOf(get("cidrIpv6")),
        prefixListIds: stringsOf(get("prefixListId")),
    };
}

/** An `aws.ec2.SecurityGroupRule` of type ingress, as an ingress rule. */
function fromSecurityGroupRule(rule: PolicyResource): IngressRule {
    const get = (key: string) => observe(rule, key);
    return {
        protocol: knownString(get("protocol")),
        fromPort: knownNumber(get("fromPort")),
        toPort: knownNumber(get("toPort")),
        ipv4Cidrs: stringsOf(get("cidrBlocks")),
        ipv6Cidrs: stringsOf(get("ipv6CidrBlocks")),
        prefixListIds: stringsOf(get("prefixListIds")),
    };
}

type InlineIngress = {
    protocol?: unknown;
    fromPort?: unknown;
    toPort?: unknown;
    cidrBlocks?: unknown;
    ipv6CidrBlocks?: unknown;
    prefixListIds?: unknown;
};

function strings(value: unknown): string[] {
    return Array.isArray(value)
        ? (value as unknown[]).filter((v): v is string => typeof v === "string" && v !== "")
        : [];
}

/** One block of an `aws.ec2.SecurityGroup`'s `ingress`, as an ingress rule. */
function fromInlineIngress(block: InlineIngress): IngressRule {
    return {
        protocol: typeof block.protocol === "string" ? block.protocol : undefined,
        fromPort: typeof block.fromPort === "number" ? block.fromPort : undefined,
        toPort: typeof block.toPort === "number" ? block.toPort : undefined,
        ipv4Cidrs: strings(block.cidrBlocks),
        ipv6Cidrs: strings(block.ipv6CidrBlocks),
        prefixListIds: strings(block.prefixListIds),
    };
}

/**
 * `kms-vpc-endpoint-security-group`: the security groups attached to a KMS interface endpoint admit only TCP 443,
 * only from private ranges or other security groups, whether their rules are inline or separate resources.
 */
export const kmsVpcEndpointSecurityGroup: StackValidationPolicy = {
    name: "kms-vpc-endpoint-security-group",
    description:
        "Security groups attached to a KMS interface endpoint must admit only TCP 443, and only from allowed private " +
        "CIDR ranges (RFC 1918 by default) or from security groups; an endpoint must have a security group of its own.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: securityGroupSchema,
    validateStack: (args, reportViolation) => {
        const endpoints = args.resources.filter(isKmsInterfaceEndpoint);
        if (endpoints.length === 0) {
            return args.notApplicable("the stack has no KMS interface endpoints");
        }
        const { allowedIngressCidrs } = readConfig<SecurityGroupConfig>(args, securityGroupSchema);
        const allowed = parseAllowedRanges(allowedIngressCidrs);
        if (allowed.invalid.length > 0) {
            reportViolation(
                `The policy config is invalid: allowedIngressCidrs holds ${allowed.invalid.map((c) => JSON.stringify(c)).join(", ")}, ` +
                    `which ${allowed.invalid.length === 1 ? "is not a CIDR block" : "are not CIDR blocks"}. Fix the ` +
                    `kms-vpc-endpoint-security-group entry of the policy pack config.`,
            );
            return;
        }

        const groups = args.resources.filter(isSecurityGroup);
        const groupIds = new IdIndex(groups, ["id"]);
        // Security group URN -> the endpoints it is attached to.
        const attached = new Map<string, { group: PolicyResource; endpoints: string[] }>();
        for (const endpoint of endpoints) {
            const linked = linkedResources(endpoint, "securityGroupIds", isSecurityGroup, groupIds);
            // Links come from the same dependencies and values, so an endpoint with linked groups declares them.
            if (!declaresSecurityGroups(endpoint)) {
                reportViolation(
                    `KMS endpoint ${describeResource(endpoint)} has no security group, so AWS attaches the VPC's default ` +
                        `security group, whose rules this stack does not control. Attach a security group of its own that ` +
                        `allows only TCP 443 from private ranges.`,
                    endpoint.urn,
                );
            }
            for (const group of linked) {
                const entry = attached.get(group.urn) ?? { group, endpoints: [] };
                entry.endpoints.push(endpoint.name);
                attached.set(group.urn, entry);
            }
        }
        if (attached.size === 0) {
            return;
        }

        // A rule resource is read only when its group is attached to an endpoint: rules of other groups may hold
        // values a preview does not know.
        const judgeResource = (r: PolicyResource, ruleOf: (resource: PolicyResource) => IngressRule): void => {
            for (const group of linkedResources(r, "securityGroupId", isSecurityGroup, groupIds)) {
                const entry = attached.get(group.urn);
                if (entry !== undefined) {
                    reportRule(ruleOf(r), describeResource(r), entry, allowed, r.urn, reportViolation);
                }
            }
        };
        for (const r of args.resources) {
            if (isIngressRuleResource(r)) {
                judgeResource(r, fromIngressRuleResource);
            } else if (isSecurityGroupRule(r) && knownString(observe(r, "type"))?.toLowerCase() === "ingress") {
                judgeResource(r, fromSecurityGroupRule);
            }
        }
        for (const entry of attached.values()) {
            // Unset inline rules are computed by the provider (from the separate rule resources, judged above).
            const inline = knownValue(observe(entry.group, "ingress"));
            if (Array.isArray(inline)) {
                (inline as InlineIngress[]).forEach((block, i) =>
                    reportRule(
                        fromInlineIngress(block),
                        `ingress[${i}]`,
                        entry,
                        allowed,
                        entry.group.urn,
                        reportViolation,
                    ),
                );
            }
        }
    },
};

/** True if the endpoint names security groups, even ones this stack cannot inspect (created elsewhere). */
function declaresSecurityGroups(endpoint: PolicyResource): boolean {
    if ((endpoint.propertyDependencies["securityGroupIds"] ?? []).length > 0) {
        return true;
    }
    return stringsOf(observe(endpoint, "securityGroupIds")).length > 0;
}

function reportRule(
    rule: IngressRule,
    where: string,
    entry: { group: PolicyResource; endpoints: string[] },
    allowed: AllowedRanges,
    urn: string,
    reportViolation: ReportViolation,
): void {
    const problems = ingressRuleProblems(rule, allowed);
    if (problems.length === 0) {
        return;
    }
    const endpoints = entry.endpoints.map((e) => JSON.stringify(e)).join(", ");
    reportViolation(
        `Ingress rule ${where} of security group ${JSON.stringify(entry.group.name)} (attached to KMS endpoint ${endpoints}) ` +
            `${problems.join("; ")}. Allow only TCP 443, from private CIDRs (${allowed.text.join(", ")}) or from security ` +
            `groups.`,
        urn,
    );
}
