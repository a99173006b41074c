// Insecure: a key policy that lets anyone ("*") decrypt.
import { keyWithPolicy } from "./rawKey";

export default async function program(): Promise<void> {
    const { accountId, partition } = await keyWithPolicy.account();
    keyWithPolicy("public-principal", [
        keyWithPolicy.administration(partition, accountId),
        { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*" },
    ]);
}
