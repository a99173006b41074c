import * as aws from "@pulumi/aws";
import { IPv4CidrRange } from "ip-num";
import { checkDistinctZones, ConfigError, EndpointSettings } from "../config/stackConfig";
import { projectName } from "../config/schema";

/** A subnet as AWS describes it. */
export interface SubnetFacts {
    id: string;
    vpcId: string;
    cidrBlock: string;
    availabilityZone: string;
}

/** The VPC and subnets the endpoint goes into, looked up and checked. */
export interface ResolvedNetwork {
    vpcId: string;
    vpcCidrBlock: string;
    subnets: SubnetFacts[];
}

/** How the program asks AWS about the network; tests and the offline plan answer through Pulumi's mocks. */
export interface NetworkLookups {
    vpc(args: {
        id?: string;
        cidrBlock?: string;
    }): Promise<{ id: string; cidrBlock: string; enableDnsSupport: boolean; enableDnsHostnames: boolean }>;
    subnet(args: { id?: string; vpcId?: string; cidrBlock?: string; availabilityZone?: string }): Promise<SubnetFacts>;
    /** The availability zones in which the region's KMS interface endpoint service is offered. */
    kmsEndpointZones(): Promise<string[]>;
}

/** Look-ups through the AWS provider's invokes. */
export const awsNetworkLookups: NetworkLookups = {
    vpc: (args) => aws.ec2.getVpc(args),
    subnet: (args) => aws.ec2.getSubnet(args),
    kmsEndpointZones: async () =>
        (await aws.ec2.getVpcEndpointService({ service: "kms", serviceType: "Interface" })).availabilityZones,
};

async function lookUp<T>(
    file: string,
    keyPath: string,
    value: unknown,
    what: string,
    call: () => Promise<T>,
): Promise<T> {
    try {
        return await call();
    } catch (error) {
        const reason = (error as Error).message || "AWS gave no reason";
        throw new ConfigError(file, keyPath, value, `${what} (the look-up failed: ${reason})`);
    }
}

/**
 * Finds the VPC and subnets the stack names, by id or by CIDR block and zone, and checks what config alone cannot:
 * every subnet belongs to the VPC and lies inside its CIDR block, and the subnets span at least two zones.
 * Runs before any resource is registered.
 */
export async function resolveNetwork(
    file: string,
    settings: EndpointSettings,
    lookups: NetworkLookups = awsNetworkLookups,
): Promise<ResolvedNetwork> {
    const path = `${projectName}:vpcEndpoint`;
    const vpc = settings.vpcId
        ? await lookUp(file, `${path}.vpcId`, settings.vpcId, "the id of a VPC in this account and region", () =>
              lookups.vpc({ id: settings.vpcId }),
          )
        : await lookUp(
              file,
              `${path}.vpcCidrBlock`,
              settings.vpcCidrBlock,
              "the CIDR block of exactly one VPC in this account and region",
              () => lookups.vpc({ cidrBlock: settings.vpcCidrBlock }),
          );
    const subnetLookups = settings.subnets ?? [];
    const subnets = settings.subnetIds
        ? await Promise.all(
              settings.subnetIds.map((id, index) =>
                  lookUp(file, `${path}.subnetIds[${index}]`, id, "the id of a subnet in this account and region", () =>
                      lookups.subnet({ id }),
                  ),
              ),
          )
        : await Promise.all(
              subnetLookups.map((subnet, index) =>
                  lookUp(
                      file,
                      `${path}.subnets[${index}]`,
                      subnet,
                      `a subnet of the VPC ${vpc.id} with this CIDR block and zone`,
                      () => lookups.subnet({ vpcId: vpc.id, ...subnet }),
                  ),
              ),
          );
    const field = settings.subnetIds ? "subnetIds" : "subnets";
    const vpcRange = IPv4CidrRange.fromCidr(vpc.cidrBlock);
    subnets.forEach((subnet, index) => {
        const configured = settings.subnetIds ? settings.subnetIds[index] : subnetLookups[index];
        if (subnet.vpcId !== vpc.id || !IPv4CidrRange.fromCidr(subnet.cidrBlock).inside(vpcRange)) {
            throw new ConfigError(
                file,
                `${path}.${field}[${index}]`,
                configured,
                `a subnet of the endpoint's VPC ${vpc.id} (${vpc.cidrBlock}); this one is ${subnet.cidrBlock} in ${subnet.vpcId}`,
            );
        }
    });
    checkDistinctZones(
        file,
        `${path}.${field}`,
        subnets.map((s) => s.availabilityZone),
    );
    // Zone names map to different zones in each account, and not every zone has every endpoint service.
    const offered = await lookUp(
        file,
        path,
        settings,
        "an endpoint in a region that offers the KMS endpoint service",
        () => lookups.kmsEndpointZones(),
    );
    subnets.forEach((subnet, index) => {
        if (!offered.includes(subnet.availabilityZone)) {
            throw new ConfigError(
                file,
                `${path}.${field}[${index}]`,
                settings.subnetIds ? settings.subnetIds[index] : subnetLookups[index],
                `a subnet in a zone where the region's KMS endpoint service is offered (${offered.join(", ")}); ` +
                    `${subnet.id} is in ${subnet.availabilityZone}`,
            );
        }
    });
    // Private DNS for an interface endpoint needs both VPC attributes.
    // https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html (prerequisites)
    if (settings.privateDnsEnabled && !(vpc.enableDnsSupport && vpc.enableDnsHostnames)) {
        throw new ConfigError(
            file,
            `${path}.privateDnsEnabled`,
            true,
            `false, or a VPC with DNS support and DNS host names on (${vpc.id} has enableDnsSupport: ` +
                `${vpc.enableDnsSupport}, enableDnsHostnames: ${vpc.enableDnsHostnames}); private DNS needs both`,
        );
    }
    return { vpcId: vpc.id, vpcCidrBlock: vpc.cidrBlock, subnets };
}
