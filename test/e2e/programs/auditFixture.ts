// The program behind the audit fixtures of this project's own resources (test/fixtures/audit/kms-keys-*.json), written
// by the real CLI with `npm run fixtures:audit`. Phase "insecure" is deployed and exported: the project's key
// component for a key that does not rotate, with a statement that lets anyone in added by a transform, protected and
// retained. Phase "changed" is previewed over it: tags are added, one of them secret, and a key with an alias is
// added, so the preview holds same, update and create steps, a secret and values unknown until the update.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KmsKey } from "../../../components/kmsKey";

const allowEveryone = {
    Sid: "AllowEveryone",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["kms:Decrypt"],
    Resource: "*",
};

function addStatement(policy: string): string {
    const doc = JSON.parse(policy) as { Statement: unknown[] };
    return JSON.stringify({ ...doc, Statement: [...doc.Statement, allowEveryone] });
}

export default async function program(): Promise<void> {
    const phase = new pulumi.Config("kms-keys").require("fixturePhase");
    new KmsKey(
        "aurora",
        {
            alias: "alias/aurora",
            description: "Aurora key that someone changed by hand",
            integratedService: "rds",
            administrators: ["role/KmsKeyAdministrator"],
            users: ["role/AuroraProvisioner"],
            enableKeyRotation: false,
            deletionWindowInDays: 30,
            protect: true,
            retainOnDelete: true,
            tags: {
                Name: "aurora",
                Service: "Aurora-PostgreSQL",
                ...(phase === "changed" ? { Owner: "platform", Ticket: pulumi.secret("SEC-1234") } : {}),
            },
        },
        {
            transforms: [
                ({ type, props, opts }) =>
                    type === "aws:kms/key:Key"
                        ? { props: { ...props, policy: pulumi.output(props.policy).apply(addStatement) }, opts }
                        : undefined,
            ],
        },
    );
    if (phase === "changed") {
        const key = new aws.kms.Key("audit-key", {
            description: "A new key whose policy is not known before it exists",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: { Name: "audit", Service: "Audit" },
        });
        new aws.kms.Alias("audit-alias", { name: "alias/audit", targetKeyId: key.keyId });
    }
}
