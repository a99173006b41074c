// Insecure: a key policy that lets nobody change it again (no kms:PutKeyPolicy for anyone).
import { keyWithPolicy } from "./rawKey";

export default async function program(): Promise<void> {
    const { accountId, partition } = await keyWithPolicy.account();
    keyWithPolicy("lockout", [
        {
            Sid: "ReadOnly",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:role/KmsKeyAdministrator` },
            Action: ["kms:DescribeKey", "kms:GetKeyPolicy"],
            Resource: "*",
        },
    ]);
}
