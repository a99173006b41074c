import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountContext, buildEndpointPolicy, fullAccessEndpointPolicy } from "./accessPolicies";
import { lookUpAccount } from "./account";

/** Arguments of a KmsVpcEndpoint. */
export interface KmsVpcEndpointArgs {
    /** The VPC the endpoint lives in. */
    readonly vpcId: pulumi.Input<string>;
    /** The VPC's CIDR block: the endpoint admits HTTPS from it. */
    readonly vpcCidrBlock: pulumi.Input<string>;
    /** Subnets in at least two availability zones, one endpoint network interface each. */
    readonly subnetIds: pulumi.Input<string>[];
    /**
     * Resolve the public KMS host name to the endpoint inside the VPC, so every KMS call from the VPC stays private.
     * @default true
     */
    readonly privateDnsEnabled?: boolean;
    /**
     * Security groups of clients in the VPC that call KMS themselves (applications, functions), also admitted on TCP
     * 443. Aurora and OpenSearch call KMS from their own side, never through this endpoint, and need no rule here.
     * @default []
     */
    readonly sourceSecurityGroupIds?: pulumi.Input<string>[];
    /**
     * Adds an allow-all egress rule, as a console-created security group has. The endpoint only answers
     * connections and security groups are stateful, so it needs none.
     * @default false
     */
    readonly allowAllEgress?: boolean;
    /**
     * Sets the endpoint policy to AWS's full access (its default) instead of admitting only this account's principals.
     * @default false
     */
    readonly fullAccessPolicy?: boolean;
    /**
     * The account, partition and region of the endpoint; looked up when not given (see `KmsKeyArgs.account`).
     */
    readonly account?: pulumi.Input<AccountContext>;
    /** Tags of the endpoint and its security group (Name is set to kms-vpc-endpoint). */
    readonly tags?: Record<string, pulumi.Input<string>>;
}

/**
 * An interface VPC endpoint for AWS KMS with private DNS and its own security group.
 * Children: `<name>-sg` (aws.ec2.SecurityGroup), `<name>-https-from-vpc` and `<name>-https-from-<n>`
 * (aws.vpc.SecurityGroupIngressRule), `<name>-all-egress` when asked (aws.vpc.SecurityGroupEgressRule),
 * `<name>-endpoint` (aws.ec2.VpcEndpoint).
 */
export class KmsVpcEndpoint extends pulumi.ComponentResource {
    /** The endpoint id. */
    public readonly endpointId: pulumi.Output<string>;
    /** DNS entries of the endpoint. */
    public readonly dnsEntries: pulumi.Output<{ dnsName: string; hostedZoneId: string }[]>;
    /** The endpoint's security group id. */
    public readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: KmsVpcEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.subnetIds.length < 2) {
            throw new Error(`KmsVpcEndpoint ${name}: subnetIds must name at least two subnets in different zones`);
        }
        super("kms-keys:network:KmsVpcEndpoint", name, {}, opts);
        const account = pulumi.output(args.account ?? lookUpAccount({ parent: this }));
        const region = account.region;
        const tags = { ...args.tags, Name: "kms-vpc-endpoint" };
        const group = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "HTTPS to the KMS interface endpoint from inside the VPC",
                tags,
            },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-https-from-vpc`,
            {
                securityGroupId: group.id,
                description: "HTTPS from the VPC",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrIpv4: args.vpcCidrBlock,
            },
            { parent: this },
        );
        (args.sourceSecurityGroupIds ?? []).forEach((source, index) => {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-https-from-${index + 1}`,
                {
                    securityGroupId: group.id,
                    description: "HTTPS from a client security group",
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    referencedSecurityGroupId: source,
                },
                { parent: this },
            );
        });
        if (args.allowAllEgress) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-all-egress`,
                {
                    securityGroupId: group.id,
                    description: "All traffic out, as the parameter sheet's default",
                    ipProtocol: "-1",
                    cidrIpv4: "0.0.0.0/0",
                },
                { parent: this },
            );
        }
        const policy = args.fullAccessPolicy
            ? pulumi.output(JSON.stringify(fullAccessEndpointPolicy))
            : account.accountId.apply((accountId) => JSON.stringify(buildEndpointPolicy(accountId)));
        const endpoint = new aws.ec2.VpcEndpoint(
            `${name}-endpoint`,
            {
                vpcId: args.vpcId,
                serviceName: pulumi.interpolate`com.amazonaws.${region}.kms`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: args.privateDnsEnabled ?? true,
                subnetIds: args.subnetIds,
                securityGroupIds: [group.id],
                policy,
                tags,
            },
            { parent: this },
        );
        this.endpointId = endpoint.id;
        this.dnsEntries = endpoint.dnsEntries;
        this.securityGroupId = group.id;
        this.registerOutputs({
            endpointId: this.endpointId,
            dnsEntries: this.dnsEntries,
            securityGroupId: this.securityGroupId,
        });
    }
}
