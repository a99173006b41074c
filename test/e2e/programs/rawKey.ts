// A key with a hand-written policy, and otherwise everything the pack asks of a key, for the insecure programs.
import * as aws from "@pulumi/aws";

type Statement = Record<string, unknown>;

export function keyWithPolicy(name: string, statements: Statement[]): aws.kms.Key {
    const key = new aws.kms.Key(`${name}-key`, {
        description: `Insecure case ${name}`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
        tags: { Name: name, Environment: "e2e", Service: "e2e", ManagedBy: "Pulumi" },
    });
    new aws.kms.Alias(`${name}-alias`, { name: `alias/${name}`, targetKeyId: key.keyId });
    return key;
}

/** The deploying account, from the provider's look-ups. */
keyWithPolicy.account = async (): Promise<{ accountId: string; partition: string }> => {
    const [identity, partition] = await Promise.all([aws.getCallerIdentity(), aws.getPartition()]);
    return { accountId: identity.accountId, partition: partition.partition };
};

/** Key management for the administrator role, the kind of statement every safe key has. */
keyWithPolicy.administration = (partition: string, accountId: string): Statement => ({
    Sid: "KeyAdministration",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${accountId}:role/KmsKeyAdministrator` },
    Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation"],
    Resource: "*",
});
