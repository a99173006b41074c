import * as assert from "assert";

import {
    ResourceSpec,
    UNKNOWN,
    resolveConfig,
    runResourcePolicy,
    runStackPolicy,
    urnOf,
} from "../helpers/policyHarness";
import {
    endpointPolicyProblems,
    kmsVpcEndpointMultiAz,
    kmsVpcEndpointPolicy,
    kmsVpcEndpointPrivateDns,
    kmsVpcEndpointSecurityGroup,
} from "../../policies/endpoints";
import { endpointPolicy, mutate, programStack } from "./programResources";
import { check } from "./specHelpers";

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

function endpoint(inputs: Record<string, unknown>): ResourceSpec {
    return {
        type: ENDPOINT,
        name: "kms-endpoint",
        inputs: {
            vpcId: "vpc-1",
            serviceName: "com.amazonaws.ap-northeast-1.kms",
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: ["subnet-a", "subnet-c"],
            policy: endpointPolicy(),
            ...inputs,
        },
    };
}

describe("KMS interface endpoint policies", () => {
    describe("which endpoints they judge", () => {
        for (const serviceName of [
            "com.amazonaws.ap-northeast-1.kms",
            "com.amazonaws.us-east-1.kms-fips",
            "cn.com.amazonaws.cn-north-1.kms",
        ]) {
            it(`judges ${serviceName}`, async () => {
                assert.strictEqual(
                    (await check(kmsVpcEndpointPrivateDns, endpoint({ serviceName, privateDnsEnabled: false }))).length,
                    1,
                );
            });
        }

        it("does not apply to other services or to a KMS endpoint that is not of type Interface", async () => {
            const s3 = await runResourcePolicy(
                kmsVpcEndpointPrivateDns,
                endpoint({ serviceName: "com.amazonaws.ap-northeast-1.s3", privateDnsEnabled: false }),
            );
            assert.strictEqual(
                s3.notApplicable,
                `the endpoint's service "com.amazonaws.ap-northeast-1.s3" is not AWS KMS`,
            );
            const gateway = await runResourcePolicy(
                kmsVpcEndpointMultiAz,
                endpoint({ vpcEndpointType: undefined, subnetIds: [] }),
            );
            assert.strictEqual(gateway.notApplicable, "the endpoint's type is unset (Gateway), not Interface");
            assert.deepStrictEqual([...s3.violations, ...gateway.violations], []);
        });

        it("does not apply to an endpoint without a service name", async () => {
            const outcome = await runResourcePolicy(kmsVpcEndpointMultiAz, endpoint({ serviceName: undefined }));
            assert.deepStrictEqual(outcome, {
                violations: [],
                notApplicable: `the endpoint's service "" is not AWS KMS`,
            });
        });

        it("leaves the endpoint policy of other services alone", async () => {
            const outcome = await runResourcePolicy(
                kmsVpcEndpointPolicy,
                endpoint({ serviceName: "com.amazonaws.ap-northeast-1.s3", policy: undefined }),
            );
            assert.deepStrictEqual(outcome, {
                violations: [],
                notApplicable: `the endpoint's service "com.amazonaws.ap-northeast-1.s3" is not AWS KMS`,
            });
        });
    });

    describe("kms-vpc-endpoint-private-dns", () => {
        it("passes private DNS on and flags it off or unset", async () => {
            assert.deepStrictEqual(await check(kmsVpcEndpointPrivateDns, endpoint({})), []);
            const tail =
                "clients resolve kms.<region>.amazonaws.com to the public KMS endpoint and bypass this one. Set " +
                "privateDnsEnabled: true.";
            assert.deepStrictEqual(await check(kmsVpcEndpointPrivateDns, endpoint({ privateDnsEnabled: false })), [
                `privateDnsEnabled is false: ${tail}`,
            ]);
            assert.deepStrictEqual(await check(kmsVpcEndpointPrivateDns, endpoint({ privateDnsEnabled: undefined })), [
                `privateDnsEnabled is unset (AWS default false): ${tail}`,
            ]);
        });
    });

    describe("kms-vpc-endpoint-multi-az", () => {
        it("passes two subnets, counting subnetConfigurations too, even with ids unknown in a preview", async () => {
            assert.deepStrictEqual(await check(kmsVpcEndpointMultiAz, endpoint({ subnetIds: [UNKNOWN, UNKNOWN] })), []);
            const configured = endpoint({
                subnetIds: undefined,
                subnetConfigurations: [{ subnetId: "subnet-a" }, { subnetId: "subnet-c" }],
            });
            assert.deepStrictEqual(await check(kmsVpcEndpointMultiAz, configured), []);
        });

        it("flags fewer subnets than minSubnets", async () => {
            assert.deepStrictEqual(await check(kmsVpcEndpointMultiAz, endpoint({ subnetIds: ["subnet-a"] })), [
                "The endpoint is in 1 subnet; at least 2 (one per Availability Zone) are required so that KMS stays " +
                    "reachable when a zone fails. Add subnetIds in other Availability Zones.",
            ]);
            assert.deepStrictEqual(await check(kmsVpcEndpointMultiAz, endpoint({}), { minSubnets: 3 }), [
                "The endpoint is in 2 subnets; at least 3 (one per Availability Zone) are required so that KMS stays " +
                    "reachable when a zone fails. Add subnetIds in other Availability Zones.",
            ]);
        });

        it("accepts a minimum of at least 2 only", () => {
            assert.throws(() => resolveConfig(kmsVpcEndpointMultiAz, { minSubnets: 1 }), /must be >= 2/);
        });
    });

    describe("kms-vpc-endpoint-policy (advisory)", () => {
        it("is advisory", () => {
            assert.strictEqual(kmsVpcEndpointPolicy.enforcementLevel, "advisory");
        });

        it("passes the program's account-restricted policy", async () => {
            assert.deepStrictEqual(await check(kmsVpcEndpointPolicy, endpoint({})), []);
        });

        it("flags a missing policy, and a full-access statement", async () => {
            assert.deepStrictEqual(await check(kmsVpcEndpointPolicy, endpoint({ policy: undefined })), [
                "The endpoint has no policy, so AWS applies full access: any principal, of any account, may use any KMS action " +
                    "through it. Set a policy that admits only your accounts' principals, for example with an " +
                    "aws:PrincipalAccount condition.",
            ]);
            const full = JSON.stringify({
                Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
            });
            assert.deepStrictEqual(await check(kmsVpcEndpointPolicy, endpoint({ policy: full })), [
                "Endpoint policy statement #1 allows every KMS action on every key to any principal without a condition (full " +
                    "access), so principals of other accounts can use their own keys through this VPC. Add a condition such as " +
                    '"StringEquals": {"aws:PrincipalAccount": "<account>"}.',
            ]);
        });

        it("passes a narrower statement and flags a policy that does not parse", async () => {
            const narrow = JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { AWS: "*" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                        Resource: "*",
                    },
                ],
            });
            assert.deepStrictEqual(await check(kmsVpcEndpointPolicy, endpoint({ policy: narrow })), []);
            assert.deepStrictEqual(await check(kmsVpcEndpointPolicy, endpoint({ policy: "{" })), [
                'The endpoint policy is not valid JSON: expected "}" at line 1, column 2. Fix the policy document.',
            ]);
        });

        it("takes an empty or null policy for a missing one", () => {
            const missing = endpointPolicyProblems(undefined);
            assert.strictEqual(missing.length, 1);
            assert.deepStrictEqual(endpointPolicyProblems(null), missing);
            assert.deepStrictEqual(endpointPolicyProblems(""), missing);
        });

        it("counts the wildcard AWS principal, in any case and among others, as any principal", () => {
            const full = (fields: Record<string, unknown>) =>
                endpointPolicyProblems(
                    JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*", ...fields }] }),
                );
            const flagged = [
                "Endpoint policy statement #1 allows every KMS action on every key to any principal without a condition " +
                    "(full access), so principals of other accounts can use their own keys through this VPC. Add a " +
                    'condition such as "StringEquals": {"aws:PrincipalAccount": "<account>"}.',
            ];
            assert.deepStrictEqual(full({ Principal: { AWS: "*" } }), flagged);
            assert.deepStrictEqual(full({ Principal: { aws: "*" } }), flagged);
            assert.deepStrictEqual(full({ Principal: { AWS: ["arn:aws:iam::111111111111:root", "*"] } }), flagged);
            assert.deepStrictEqual(full({ Principal: { AWS: "arn:aws:iam::111111111111:root" } }), []);
            assert.deepStrictEqual(full({ Principal: { Service: "*" } }), []);
            assert.deepStrictEqual(full({ NotPrincipal: { AWS: "arn:aws:iam::111111111111:root" } }), []);
        });

        it("passes full-access statements that deny, or that name keys by NotResource", () => {
            const statement = (fields: Record<string, unknown>) =>
                endpointPolicyProblems(JSON.stringify({ Statement: [{ Principal: "*", Action: "*", ...fields }] }));
            assert.deepStrictEqual(statement({ Effect: "Deny", Resource: "*" }), []);
            assert.deepStrictEqual(
                statement({
                    Effect: "Allow",
                    NotResource: "arn:aws:kms:ap-northeast-1:111111111111:key/00000000-0000-0000-0000-000000000000",
                }),
                [],
            );
        });
    });

    describe("kms-vpc-endpoint-security-group (stack)", () => {
        const production = (stage: "preview" | "update") => programStack("production", stage);
        const ruleName = "kms-https-from-vpc";
        const tail =
            "Allow only TCP 443, from private CIDRs (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or from security groups.";
        const ruleUrn = (stack: ResourceSpec[], name: string) => stack.find((r) => r.name === name)?.urn;

        it("passes the program's endpoint, in a preview and after an update", async () => {
            for (const stage of ["preview", "update"] as const) {
                assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, production(stage)), {
                    violations: [],
                });
            }
        });

        it("flags 0.0.0.0/0 on a separate rule resource, against that rule", async () => {
            for (const stage of ["preview", "update"] as const) {
                const stack = mutate(production(stage), ruleName, (p) => {
                    p["cidrIpv4"] = "0.0.0.0/0";
                });
                const outcome = await runStackPolicy(
                    kmsVpcEndpointSecurityGroup,
                    stack.map((r) => (r.type === SG ? { ...r, outputs: { ...r.outputs, ingress: [] } } : r)),
                );
                assert.deepStrictEqual(
                    outcome.violations.map((v) => [v.urn, v.message]),
                    [
                        [
                            ruleUrn(stack, ruleName),
                            'Ingress rule SecurityGroupIngressRule "kms-https-from-vpc" of security group "kms-sg" (attached to KMS ' +
                                `endpoint "kms-endpoint") admits 0.0.0.0/0, outside the allowed ranges (10.0.0.0/8, 172.16.0.0/12, ` +
                                `192.168.0.0/16). ${tail}`,
                        ],
                    ],
                );
            }
        });

        it("flags inline rules with all protocols, other ports, public and IPv6 CIDRs and prefix lists, against the group", async () => {
            const stack = mutate(production("update"), "kms-sg", (p) => {
                p["ingress"] = [
                    { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] },
                    {
                        protocol: "tcp",
                        fromPort: 0,
                        toPort: 65535,
                        cidrBlocks: ["8.8.8.0/24", "not-a-cidr"],
                        ipv6CidrBlocks: ["::/0"],
                    },
                    { protocol: "udp", fromPort: 443, toPort: 443, prefixListIds: ["pl-12345678"] },
                    { protocol: "6", fromPort: 443, toPort: 443, securityGroups: [UNKNOWN], self: false },
                ];
            });
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, stack);
            const head = (i: number) =>
                `Ingress rule ingress[${i}] of security group "kms-sg" (attached to KMS endpoint "kms-endpoint")`;
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.urn, v.message]),
                [
                    [ruleUrn(stack, "kms-sg"), `${head(0)} allows all protocols ("-1"). ${tail}`],
                    [
                        ruleUrn(stack, "kms-sg"),
                        `${head(1)} opens ports 0-65535; has invalid CIDR "not-a-cidr"; admits 8.8.8.0/24, ::/0, outside the ` +
                            `allowed ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). ${tail}`,
                    ],
                    [
                        ruleUrn(stack, "kms-sg"),
                        `${head(2)} allows protocol "udp"; admits prefix list pl-12345678, whose addresses cannot be checked ` +
                            `here. ${tail}`,
                    ],
                ],
            );
        });

        it("judges aws.ec2.SecurityGroupRule of type ingress, linked by value, and ignores egress rules", async () => {
            const sgId = "sg-00000000000000001";
            const stack = [
                { type: SG, name: "kms-sg", inputs: {}, outputs: { id: sgId } },
                {
                    ...endpoint({ securityGroupIds: [sgId] }),
                    outputs: { ...endpoint({ securityGroupIds: [sgId] }).inputs },
                },
                {
                    type: SG_RULE,
                    name: "wide",
                    inputs: {},
                    outputs: {
                        type: "ingress",
                        securityGroupId: sgId,
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrBlocks: ["172.32.0.0/16"],
                    },
                },
                {
                    type: SG_RULE,
                    name: "self",
                    inputs: {},
                    outputs: {
                        type: "ingress",
                        securityGroupId: sgId,
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        self: true,
                    },
                },
                {
                    type: SG_RULE,
                    name: "out",
                    inputs: {},
                    outputs: {
                        type: "egress",
                        securityGroupId: sgId,
                        protocol: "-1",
                        fromPort: 0,
                        toPort: 0,
                        cidrBlocks: ["0.0.0.0/0"],
                    },
                },
            ];
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, stack);
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.urn, v.message]),
                [
                    [
                        urnOf(SG_RULE, "wide"),
                        'Ingress rule SecurityGroupRule "wide" of security group "kms-sg" (attached to KMS endpoint "kms-endpoint") ' +
                            `admits 172.32.0.0/16, outside the allowed ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). ${tail}`,
                    ],
                ],
            );
        });

        it("admits the configured ranges, IPv6 included, and rules from security groups", async () => {
            const stack = mutate(production("preview"), ruleName, (p) => {
                p["cidrIpv4"] = undefined;
                p["cidrIpv6"] = "fd00:10::/64";
            });
            const withSource = [
                ...stack,
                {
                    type: RULE,
                    name: "from-aurora",
                    inputs: {},
                    outputs: {
                        ipProtocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        securityGroupId: UNKNOWN,
                        referencedSecurityGroupId: UNKNOWN,
                    },
                    propertyDependencies: {
                        securityGroupId: [ruleUrn(stack, "kms-sg") ?? ""],
                        referencedSecurityGroupId: [ruleUrn(stack, "kms-sg") ?? ""],
                    },
                },
            ];
            const config = { allowedIngressCidrs: ["10.0.0.0/8", "fd00::/8"] };
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, withSource, config), {
                violations: [],
            });
        });

        it("ignores rules of groups that are not attached to a KMS endpoint", async () => {
            const stack = [
                ...production("update"),
                {
                    type: SG,
                    name: "aurora-sg",
                    inputs: {},
                    outputs: {
                        id: "sg-aurora",
                        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
                    },
                },
                {
                    type: RULE,
                    name: "aurora-open",
                    inputs: {},
                    outputs: { securityGroupId: "sg-aurora", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
                },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, stack), { violations: [] });
        });

        it("flags an endpoint without a security group, and passes one whose groups live outside the stack", async () => {
            const none = mutate(production("preview"), "kms-endpoint", (p, spec) => {
                p["securityGroupIds"] = spec.outputs === p ? UNKNOWN : undefined;
                spec.propertyDependencies = {};
            });
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, none);
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.urn, v.message]),
                [
                    [
                        ruleUrn(none, "kms-endpoint"),
                        'KMS endpoint VpcEndpoint "kms-endpoint" has no security group, so AWS attaches the VPC\'s default security ' +
                            "group, whose rules this stack does not control. Attach a security group of its own that allows only " +
                            "TCP 443 from private ranges.",
                    ],
                ],
            );
            const external = mutate(production("update"), "kms-endpoint", (p, spec) => {
                p["securityGroupIds"] = ["sg-managed-elsewhere"];
                spec.propertyDependencies = {};
            });
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, external), { violations: [] });
        });

        it("does not apply without a KMS interface endpoint, and reports a config entry that is not a CIDR", async () => {
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, programStack("development", "preview"));
            assert.strictEqual(outcome.notApplicable, "the stack has no KMS interface endpoints");
            const bad = await runStackPolicy(kmsVpcEndpointSecurityGroup, production("update"), {
                allowedIngressCidrs: ["10.0.0.0/8", "private"],
            });
            assert.deepStrictEqual(
                bad.violations.map((v) => v.message),
                [
                    'The policy config is invalid: allowedIngressCidrs holds "private", which is not a CIDR block. Fix the ' +
                        "kms-vpc-endpoint-security-group entry of the policy pack config.",
                ],
            );
        });

        it("names every entry of the config that is not a CIDR block", async () => {
            const bad = await runStackPolicy(kmsVpcEndpointSecurityGroup, production("update"), {
                allowedIngressCidrs: ["private", "10.0.0.0/8", "vpc"],
            });
            assert.deepStrictEqual(
                bad.violations.map((v) => v.message),
                [
                    'The policy config is invalid: allowedIngressCidrs holds "private", "vpc", which are not CIDR blocks. ' +
                        "Fix the kms-vpc-endpoint-security-group entry of the policy pack config.",
                ],
            );
        });

        it("does not apply to a stack whose only endpoints are not KMS interface endpoints", async () => {
            const stack = [
                {
                    type: ENDPOINT,
                    name: "s3-endpoint",
                    inputs: { vpcId: "vpc-1", serviceName: "com.amazonaws.ap-northeast-1.s3" },
                },
                // A component that carries an endpoint's properties is not an endpoint.
                {
                    type: "kms-keys:network:KmsVpcEndpoint",
                    name: "kms",
                    inputs: { serviceName: "com.amazonaws.ap-northeast-1.kms", vpcEndpointType: "Interface" },
                },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, stack), {
                violations: [],
                notApplicable: "the stack has no KMS interface endpoints",
            });
        });

        it("names every endpoint a group with a bad rule is attached to", async () => {
            const stack = mutate(production("update"), ruleName, (p) => {
                p["cidrIpv4"] = "0.0.0.0/0";
            });
            const first = stack.find((r) => r.name === "kms-endpoint");
            assert.ok(first !== undefined);
            const second = { ...first, name: "kms-endpoint-2", urn: urnOf(ENDPOINT, "kms-endpoint-2") };
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, [...stack, second]);
            assert.deepStrictEqual(
                outcome.violations.map((v) => v.message),
                [
                    'Ingress rule SecurityGroupIngressRule "kms-https-from-vpc" of security group "kms-sg" (attached to KMS ' +
                        'endpoint "kms-endpoint", "kms-endpoint-2") admits 0.0.0.0/0, outside the allowed ranges ' +
                        `(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). ${tail}`,
                ],
            );
        });

        it("flags IPv6 sources and prefix lists of separate rules of both resource types", async () => {
            const stack = production("update");
            const sgId = stack.find((r) => r.name === "kms-sg")?.outputs?.["id"];
            const https = { fromPort: 443, toPort: 443 };
            const rules: ResourceSpec[] = [
                {
                    type: RULE,
                    name: "any-v6",
                    inputs: { securityGroupId: sgId, ipProtocol: "tcp", ...https, cidrIpv6: "::/0" },
                },
                {
                    type: RULE,
                    name: "prefix",
                    inputs: { securityGroupId: sgId, ipProtocol: "tcp", ...https, prefixListId: "pl-1111" },
                },
                {
                    type: SG_RULE,
                    name: "v6-and-prefix",
                    inputs: {
                        type: "ingress",
                        securityGroupId: sgId,
                        protocol: "tcp",
                        ...https,
                        ipv6CidrBlocks: ["2001:db8::/32"],
                        prefixListIds: ["pl-2222"],
                    },
                },
            ];
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, [...stack, ...rules]);
            const head = (what: string) =>
                `Ingress rule ${what} of security group "kms-sg" (attached to KMS endpoint "kms-endpoint")`;
            const ranges = "outside the allowed ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)";
            const prefix = (id: string) => `admits prefix list ${id}, whose addresses cannot be checked here`;
            assert.deepStrictEqual(
                outcome.violations.map((v) => [v.urn, v.message]),
                [
                    [
                        urnOf(RULE, "any-v6"),
                        `${head('SecurityGroupIngressRule "any-v6"')} admits ::/0, ${ranges}. ${tail}`,
                    ],
                    [
                        urnOf(RULE, "prefix"),
                        `${head('SecurityGroupIngressRule "prefix"')} ${prefix("pl-1111")}. ${tail}`,
                    ],
                    [
                        urnOf(SG_RULE, "v6-and-prefix"),
                        `${head('SecurityGroupRule "v6-and-prefix"')} admits 2001:db8::/32, ${ranges}; ${prefix("pl-2222")}. ` +
                            tail,
                    ],
                ],
            );
        });

        it("takes protocols and ports of the wrong type for missing ones", async () => {
            const stack = mutate(production("update"), "kms-sg", (p) => {
                p["ingress"] = [
                    { protocol: 6, fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] },
                    { protocol: "tcp", fromPort: "443", toPort: 443, cidrBlocks: ["10.0.0.0/16"] },
                    { protocol: "tcp", fromPort: 443, toPort: "443", cidrBlocks: ["10.0.0.0/16"] },
                ];
            });
            const sgId = stack.find((r) => r.name === "kms-sg")?.outputs?.["id"];
            const rules: ResourceSpec[] = [
                {
                    type: RULE,
                    name: "numeric-protocol",
                    inputs: {
                        securityGroupId: sgId,
                        ipProtocol: 6,
                        fromPort: 443,
                        toPort: 443,
                        cidrIpv4: "10.0.0.0/16",
                    },
                },
                {
                    type: RULE,
                    name: "text-port",
                    inputs: {
                        securityGroupId: sgId,
                        ipProtocol: "tcp",
                        fromPort: "443",
                        toPort: 443,
                        cidrIpv4: "10.0.0.0/16",
                    },
                },
            ];
            const outcome = await runStackPolicy(kmsVpcEndpointSecurityGroup, [...stack, ...rules]);
            const head = (what: string) =>
                `Ingress rule ${what} of security group "kms-sg" (attached to KMS endpoint "kms-endpoint")`;
            assert.deepStrictEqual(
                outcome.violations.map((v) => v.message),
                [
                    `${head('SecurityGroupIngressRule "numeric-protocol"')} has no protocol. ${tail}`,
                    `${head('SecurityGroupIngressRule "text-port"')} opens ports ?-443. ${tail}`,
                    `${head("ingress[0]")} has no protocol. ${tail}`,
                    `${head("ingress[1]")} opens ports ?-443. ${tail}`,
                    `${head("ingress[2]")} opens ports 443-?. ${tail}`,
                ],
            );
        });

        it("skips empty and non-string CIDRs of inline rules", async () => {
            const stack = mutate(production("update"), "kms-sg", (p) => {
                p["ingress"] = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["", "10.0.0.0/16", null] }];
            });
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, stack), { violations: [] });
        });

        it("judges only SecurityGroupRules whose type is known to be ingress", async () => {
            const stack = production("update");
            const sgId = stack.find((r) => r.name === "kms-sg")?.outputs?.["id"];
            const untyped: ResourceSpec = {
                type: SG_RULE,
                name: "untyped",
                inputs: { securityGroupId: sgId, protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
            };
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, [...stack, untyped]), {
                violations: [],
            });
        });

        it("takes a group of another type, such as the VPC's default security group, for one managed elsewhere", async () => {
            const open = { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] };
            const endpointSpec = endpoint({ securityGroupIds: ["sg-0default"] });
            const stack: ResourceSpec[] = [
                {
                    type: DEFAULT_SG,
                    name: "vpc-default",
                    inputs: { vpcId: "vpc-1", ingress: [open] },
                    outputs: { vpcId: "vpc-1", ingress: [open], id: "sg-0default" },
                },
                { ...endpointSpec, outputs: { ...endpointSpec.inputs } },
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, stack), { violations: [] });
        });

        it("decides in a preview when the endpoint's groups live elsewhere, whatever the stack's other rules hold", async () => {
            const defaultUrn = urnOf(DEFAULT_SG, "vpc-default");
            const stack: ResourceSpec[] = [
                {
                    type: DEFAULT_SG,
                    name: "vpc-default",
                    inputs: { vpcId: "vpc-1" },
                    outputs: { vpcId: "vpc-1", id: UNKNOWN },
                },
                {
                    type: RULE,
                    name: "default-https",
                    inputs: {},
                    outputs: {
                        securityGroupId: UNKNOWN,
                        ipProtocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrIpv4: "10.0.0.0/16",
                    },
                    propertyDependencies: { securityGroupId: [defaultUrn] },
                },
                endpoint({ securityGroupIds: ["sg-0managedelsewhere"] }),
            ];
            assert.deepStrictEqual(await runStackPolicy(kmsVpcEndpointSecurityGroup, stack), { violations: [] });
        });
    });
});
