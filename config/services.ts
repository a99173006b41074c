/**
 * The AWS services a key may be used through, one entry each. The stack config's `integratedService` (its type, the
 * schema's allowed values and the error message), the key policy's use and grant statements and the README's
 * "Add a key" all derive from this table: adding a service (S3, Secrets Manager, EBS, ...) is one entry here.
 */

/** How one AWS service uses a customer managed key on behalf of the principals of the key policy. */
export interface ServiceUse {
    /** What error messages and the README call the service. */
    readonly title: string;
    /**
     * The cryptographic actions a principal needs on the key for the service to encrypt and decrypt on its behalf,
     * named one by one (no `ReEncrypt*` or `GenerateDataKey*` wildcard, which would also admit data key pairs).
     */
    readonly userActions: readonly string[];
    /**
     * Whether the service keeps grants on the key for the life of its resources (`kms:CreateGrant` with
     * `kms:GrantIsForAWSResource`), so that users need the grant actions too.
     */
    readonly usesGrants: boolean;
    /** The AWS page that documents what the service asks of the key. */
    readonly source: string;
}

/** Envelope encryption: data keys generated, decrypted and re-encrypted through the service. */
const envelopeEncryption: readonly string[] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/**
 * The services, keyed by the first label of their `kms:ViaService` value (`<key>.<region>.amazonaws.com`), which is
 * also what a stack file writes in `integratedService`.
 */
export const integratedServices = {
    rds: {
        title: "Amazon RDS / Aurora",
        userActions: envelopeEncryption,
        usesGrants: true,
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html",
    },
    es: {
        title: "Amazon OpenSearch Service",
        userActions: envelopeEncryption,
        usesGrants: true,
        source: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html",
    },
} as const satisfies Record<string, ServiceUse>;

/** A service a key may be used through, by its `kms:ViaService` prefix. */
export type IntegratedService = keyof typeof integratedServices;

/** The services' keys, in the table's order. */
export const serviceNames = Object.keys(integratedServices) as IntegratedService[];

/** The grants a service creates on the user's behalf for the life of a cluster, domain or volume. */
export const grantActions: readonly string[] = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** The `kms:ViaService` value of a service in a region. */
export function viaService(service: IntegratedService, region: string): string {
    return `${service}.${region}.amazonaws.com`;
}

/** The allowed values of `integratedService`, in words, for the config's error message. */
export function serviceChoices(): string {
    return serviceNames.map((s) => `"${s}" (${integratedServices[s].title})`).join(", ");
}
