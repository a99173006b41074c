import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountContext } from "./accessPolicies";

/** The account, partition and region of the deployment, from the provider's look-ups. */
export function lookUpAccount(opts?: pulumi.InvokeOptions): pulumi.Output<AccountContext> {
    return pulumi
        .all([
            aws.getCallerIdentityOutput({}, opts).accountId,
            aws.getPartitionOutput({}, opts).partition,
            aws.getRegionOutput({}, opts).region,
        ])
        .apply(([accountId, partition, region]) => ({ accountId, partition, region }));
}
