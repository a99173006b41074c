/**
 * The AWS KMS actions, what each kind of principal needs, and the expansion of action patterns (`kms:*`,
 * `kms:*crypt*`, `kms:Create*`, `*`) into the concrete actions they grant.
 *
 * Expanding against the full list, rather than comparing strings, is what lets a rule see that `kms:Re*` grants
 * `kms:ReEncryptFrom`, or that `kms:Create*` hands an administrator `kms:CreateGrant` (and so, through a grant,
 * Decrypt). Side-effect free.
 */
import { globMatches } from "./policyDocument";
import { BoundedCache } from "./memo";

/**
 * Every action of the `kms` service prefix, from the AWS Service Authorization Reference. Actions on `key`
 * resources come first; the account-level ones at the end cannot be scoped to a key but are still matched by
 * `kms:*` and similar patterns.
 */
export const KMS_KEY_ACTIONS: readonly string[] = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DeleteImportedKeyMaterial",
    "kms:DeriveSharedSecret",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:GetKeyLastUsage",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:GetParametersForImport",
    "kms:GetPublicKey",
    "kms:ImportKeyMaterial",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:ReplicateKey",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:Sign",
    "kms:SynchronizeMultiRegionKey",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
    "kms:Verify",
    "kms:VerifyMac",
];

/** Account-level KMS actions: not about one key, listed so that expansion of `kms:*` is complete. */
export const KMS_ACCOUNT_ACTIONS: readonly string[] = [
    "kms:ConnectCustomKeyStore",
    "kms:CreateCustomKeyStore",
    "kms:CreateKey",
    "kms:DeleteCustomKeyStore",
    "kms:DescribeCustomKeyStores",
    "kms:DisconnectCustomKeyStore",
    "kms:GenerateRandom",
    "kms:ListAliases",
    "kms:ListKeys",
    "kms:ListRetirableGrants",
    "kms:UpdateCustomKeyStore",
];

/** Every KMS action. */
export const KMS_ALL_ACTIONS: readonly string[] = [...KMS_KEY_ACTIONS, ...KMS_ACCOUNT_ACTIONS];

/**
 * Actions that use the key material, or let someone else use it. kms:CreateGrant is here because a grant can
 * name any grantee and any operation, so whoever may create grants may, in effect, decrypt.
 */
export const CRYPTOGRAPHIC_ACTIONS: ReadonlySet<string> = new Set([
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeriveSharedSecret",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:Sign",
    "kms:Verify",
    "kms:VerifyMac",
]);

/**
 * Actions that change the key, its policy, its lifecycle or its names. Read-only actions (Describe, Get, List)
 * and RevokeGrant/RetireGrant (which can only take access away) belong to neither set.
 */
export const KEY_MANAGEMENT_ACTIONS: ReadonlySet<string> = new Set([
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DeleteImportedKeyMaterial",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:ImportKeyMaterial",
    "kms:PutKeyPolicy",
    "kms:ReplicateKey",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:UpdatePrimaryRegion",
]);

/** Actions that only key administrators may hold: whoever has them can take the key from everyone else. */
export const ADMINISTRATOR_ONLY_ACTIONS: readonly string[] = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"];

/** Expansions by pattern (a plain action name is a pattern too): the same few recur in every policy. */
const expansions = new BoundedCache<string, readonly string[]>(1024);

/**
 * The KMS actions (canonical spelling) that one action pattern grants: `"KMS:decrypt"` gives `["kms:Decrypt"]`,
 * `"kms:*crypt*"` gives Decrypt, Encrypt, ReEncryptFrom and ReEncryptTo, `"s3:*"` gives nothing.
 * Action names are case-insensitive in IAM, and so is this.
 */
export function kmsActionsOf(pattern: string): readonly string[] {
    // The match ignores case (globMatches); each spelling is cached as written.
    return expansions.get(pattern, () => KMS_ALL_ACTIONS.filter((a) => globMatches(pattern, a)));
}

/**
 * The KMS actions a statement grants (or denies) given its `Action` or `NotAction` list. For `NotAction`, that is
 * every KMS action the list does not match.
 */
export function kmsActionsOfStatement(
    action: readonly string[] | undefined,
    notAction: readonly string[] | undefined,
): Set<string> {
    if (action !== undefined) {
        const granted = new Set<string>();
        for (const pattern of action) {
            for (const a of kmsActionsOf(pattern)) {
                granted.add(a);
            }
        }
        return granted;
    }
    const excluded = new Set<string>();
    for (const pattern of notAction ?? []) {
        for (const a of kmsActionsOf(pattern)) {
            excluded.add(a);
        }
    }
    return new Set(KMS_ALL_ACTIONS.filter((a) => !excluded.has(a)));
}

/** True if `granted` holds every action that can be performed on a key: what `kms:*` means in a key policy. */
export function grantsAllKeyActions(granted: ReadonlySet<string>): boolean {
    return KMS_KEY_ACTIONS.every((a) => granted.has(a));
}

/** The patterns of `action` that on their own grant every key action (`"*"`, `"kms:*"`, `"KMS:*"`...). */
export function fullAccessPatterns(action: readonly string[]): string[] {
    return action.filter((p) => grantsAllKeyActions(new Set(kmsActionsOf(p))));
}

/** The patterns of `action` that grant `target` (canonical name), for messages. */
export function patternsGranting(action: readonly string[], target: string): string[] {
    return action.filter((p) => kmsActionsOf(p).includes(target));
}
