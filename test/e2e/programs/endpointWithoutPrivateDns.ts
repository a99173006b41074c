// Insecure: the project's own endpoint component with private DNS off, so clients keep using KMS's public endpoint.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KmsVpcEndpoint } from "../../../components/kmsVpcEndpoint";

export default async function program(): Promise<void> {
    const config = new pulumi.Config("kms-keys");
    const endpoint = config.requireObject<{
        vpcCidrBlock: string;
        subnets: { cidrBlock: string; availabilityZone: string }[];
    }>("vpcEndpoint");
    const vpc = await aws.ec2.getVpc({ cidrBlock: endpoint.vpcCidrBlock });
    const subnets = await Promise.all(endpoint.subnets.map((s) => aws.ec2.getSubnet({ vpcId: vpc.id, ...s })));
    new KmsVpcEndpoint("no-private-dns", {
        vpcId: vpc.id,
        vpcCidrBlock: vpc.cidrBlock,
        subnetIds: subnets.map((s) => s.id),
        privateDnsEnabled: false,
    });
}
