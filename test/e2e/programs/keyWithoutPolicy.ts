// Insecure: a key without a policy, which AWS gives its default policy (the account root gets kms:*).
import * as aws from "@pulumi/aws";

export default async function program(): Promise<void> {
    const key = new aws.kms.Key("without-policy", {
        description: "A key left with AWS's default policy",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: { Name: "without-policy", Environment: "e2e", Service: "e2e", ManagedBy: "Pulumi" },
    });
    new aws.kms.Alias("without-policy-alias", { name: "alias/without-policy", targetKeyId: key.keyId });
}
