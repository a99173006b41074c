/** Arguments of one KmsKey and one KmsVpcEndpoint, for the specs that run the components alone. */
import { KmsKeyArgs } from "../../components/kmsKey";
import { KmsVpcEndpointArgs } from "../../components/kmsVpcEndpoint";

export const keyArgs: KmsKeyArgs = {
    alias: "alias/app-data",
    description: "Application data key",
    integratedService: "rds",
    administrators: ["role/KeyAdmin"],
    users: ["role/App"],
};

export const endpointArgs: KmsVpcEndpointArgs = {
    vpcId: "vpc-0123456789abcdef0",
    vpcCidrBlock: "10.20.0.0/16",
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
};
