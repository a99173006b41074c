import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IntegratedService } from "../config/stackConfig";
import { AccountContext, buildKeyPolicy } from "./accessPolicies";
import { lookUpAccount } from "./account";
import { deletionWindowInDays, rangeText, rotationPeriodInDays } from "../policies/lib/awsLimits";

/**
 * Arguments of a KmsKey. The fields that decide who can do what are plain values, not outputs: the key policy is built
 * from them and from invokes only, so it is fully known during `pulumi preview` and a policy pack can judge it there.
 */
export interface KmsKeyArgs {
    /** Alias name, beginning with `alias/` (never `alias/aws/`). */
    readonly alias: string;
    /** Key description, shown in the KMS console. */
    readonly description: pulumi.Input<string>;
    /** The only service the key may be used through (`kms:ViaService`): `rds` for Aurora, `es` for OpenSearch. */
    readonly integratedService: IntegratedService;
    /** IAM roles/users (`role/<name>`, `user/<name>` or ARNs) that manage the key and never use it. At least one. */
    readonly administrators: string[];
    /** IAM roles/users of this account that use the key through its integrated service. */
    readonly users: string[];
    /**
     * IAM roles/users of this account that may read the key's configuration (DescribeKey, GetKeyPolicy,
     * GetKeyRotationStatus, ListResourceTags, ListGrants, ListKeyRotations) and nothing else: AWS Config, IAM Access
     * Analyzer, security tooling, a pipeline's preview role.
     * @default []
     */
    readonly auditors?: string[];
    /**
     * IAM role/user ARNs of other accounts that use the key through its integrated service.
     * @default []
     */
    readonly crossAccountUsers?: string[];
    /**
     * Whether administrators may schedule the key's deletion.
     * @default false
     */
    readonly allowKeyDeletion?: boolean;
    /**
     * Days AWS waits before deleting a key scheduled for deletion, 7 to 30.
     * See https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
     * @default 30
     */
    readonly deletionWindowInDays?: number;
    /**
     * Automatic rotation of the key material.
     * @default true
     */
    readonly enableKeyRotation?: boolean;
    /**
     * Days between automatic rotations, 90 to 2560.
     * See https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
     * @default 365
     */
    readonly rotationPeriodInDays?: number;
    /**
     * Lets the account's root user, and no IAM user or role, read and change the key policy: the way back if every
     * administrator role is deleted or re-created. Without it only AWS Support can restore access to the key.
     * @default true
     */
    readonly accountRootRecovery?: boolean;
    /**
     * Adds the AWS default statement giving the account root `kms:*`, which lets IAM policies grant use of the key.
     * @default false
     */
    readonly allowAccountRootFullAccess?: boolean;
    /**
     * The account, partition and region the key lives in. Looked up with `aws.getCallerIdentity`, `aws.getPartition`
     * and `aws.getRegion` when not given; a program with many keys looks them up once and passes them to each.
     */
    readonly account?: pulumi.Input<AccountContext>;
    /**
     * Pulumi refuses to delete or replace the key (`protect`). Deleting a key makes its data unrecoverable.
     * @default true
     */
    readonly protect?: boolean;
    /**
     * The key stays in AWS when Pulumi stops managing it (`retainOnDelete`).
     * @default true
     */
    readonly retainOnDelete?: boolean;
    /** Tags of the key. Aliases cannot be tagged (https://docs.aws.amazon.com/kms/latest/developerguide/alias-about.html). */
    readonly tags?: Record<string, pulumi.Input<string>>;
}

/** The limits AWS places on a key's arguments, checked before anything is registered. */
export function checkKmsKeyArgs(name: string, args: KmsKeyArgs): void {
    const fail = (what: string) => {
        throw new Error(`KmsKey ${name}: ${what}`);
    };
    if (!/^alias\//.test(args.alias) || /^alias\/aws\//.test(args.alias)) {
        fail(`alias ${JSON.stringify(args.alias)} must begin with "alias/" and not with "alias/aws/"`);
    }
    if (args.administrators.length === 0) {
        fail("administrators must name at least one principal, or nobody could ever change the key policy");
    }
    if (args.users.length === 0) {
        fail("users must name at least one principal, or the key could not be used");
    }
    const window = args.deletionWindowInDays ?? deletionWindowInDays.awsDefault;
    if (!Number.isInteger(window) || window < deletionWindowInDays.min || window > deletionWindowInDays.max) {
        fail(`deletionWindowInDays ${window} must be an integer ${rangeText(deletionWindowInDays)}`);
    }
    const period = args.rotationPeriodInDays ?? rotationPeriodInDays.awsDefault;
    if (!Number.isInteger(period) || period < rotationPeriodInDays.min || period > rotationPeriodInDays.max) {
        fail(`rotationPeriodInDays ${period} must be an integer ${rangeText(rotationPeriodInDays)}`);
    }
}

/**
 * A customer managed, symmetric, single-region KMS key with automatic rotation, a least-privilege key policy and an
 * alias. Children: `<name>-key` (aws.kms.Key) and `<name>-alias` (aws.kms.Alias).
 */
export class KmsKey extends pulumi.ComponentResource {
    /** The key id. */
    public readonly keyId: pulumi.Output<string>;
    /** The key ARN. */
    public readonly arn: pulumi.Output<string>;
    /** The alias name. */
    public readonly aliasName: pulumi.Output<string>;
    /** The alias ARN. */
    public readonly aliasArn: pulumi.Output<string>;
    /** The key policy as JSON text, known at preview. */
    public readonly policy: pulumi.Output<string>;

    constructor(name: string, args: KmsKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        checkKmsKeyArgs(name, args);
        super("kms-keys:kms:KmsKey", name, {}, opts);
        this.policy = pulumi.output(args.account ?? lookUpAccount({ parent: this })).apply((account) =>
            JSON.stringify(
                buildKeyPolicy(
                    {
                        integratedService: args.integratedService,
                        administrators: args.administrators,
                        users: args.users,
                        auditors: args.auditors ?? [],
                        crossAccountUsers: args.crossAccountUsers ?? [],
                        allowKeyDeletion: args.allowKeyDeletion ?? false,
                        accountRootRecovery: args.accountRootRecovery ?? true,
                        allowAccountRootFullAccess: args.allowAccountRootFullAccess ?? false,
                    },
                    account,
                ),
            ),
        );
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: args.description,
                // Fixed explicitly: a change to any of these would replace the key, and with it every encrypted byte.
                keyUsage: "ENCRYPT_DECRYPT",
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                multiRegion: false,
                isEnabled: true,
                enableKeyRotation: args.enableKeyRotation ?? true,
                // Sent only with rotation on: AWS reports no period for a key that does not rotate, so sending one
                // there would show a change on every preview.
                rotationPeriodInDays:
                    (args.enableKeyRotation ?? true)
                        ? (args.rotationPeriodInDays ?? rotationPeriodInDays.awsDefault)
                        : undefined,
                deletionWindowInDays: args.deletionWindowInDays ?? deletionWindowInDays.awsDefault,
                bypassPolicyLockoutSafetyCheck: false,
                policy: this.policy,
                tags: args.tags,
            },
            { parent: this, protect: args.protect ?? true, retainOnDelete: args.retainOnDelete ?? true },
        );
        const alias = new aws.kms.Alias(
            `${name}-alias`,
            { name: args.alias, targetKeyId: key.keyId },
            { parent: this },
        );
        this.keyId = key.keyId;
        this.arn = key.arn;
        this.aliasName = alias.name;
        this.aliasArn = alias.arn;
        this.registerOutputs({
            keyId: this.keyId,
            arn: this.arn,
            aliasName: this.aliasName,
            aliasArn: this.aliasArn,
            policy: this.policy,
        });
    }
}
