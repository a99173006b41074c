/**
 * Every policy of the kms-guardrails pack, in the order the pack reports them. Side-effect free: index.ts builds the
 * pack from this list, and tests import it without starting a policy pack server.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import {
    kmsVpcEndpointMultiAz,
    kmsVpcEndpointPolicy,
    kmsVpcEndpointPrivateDns,
    kmsVpcEndpointSecurityGroup,
} from "./endpoints";
import { iamNoKmsDecryptOnAllKeys } from "./iam";
import { kmsKeyDeletionAlerts } from "./monitoring";
import {
    kmsKeyPolicyGrantsForAwsResources,
    kmsKeyPolicyNoFullAccess,
    kmsKeyPolicySeparationOfDuties,
    kmsKeyPolicyServiceScopedUse,
} from "./keyPolicyActions";
import {
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyAdminRights,
    kmsKeyPolicyNoLockout,
    kmsKeyPolicyRecoveryPath,
} from "./keyPolicyAdministration";
import {
    kmsKeyPolicyNoNotElements,
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyPolicyTrustedAccounts,
} from "./keyPolicyPrincipals";
import {
    kmsAliasNaming,
    kmsKeyDeletionWindow,
    kmsKeyExplicitPolicy,
    kmsKeyHasAlias,
    kmsKeyProtected,
    kmsKeyRequiredTags,
    kmsKeyRotationEnabled,
} from "./keys";

/** The pack's name: part of every violation the engine reports, and the name it is published under. */
export const packName = "kms-guardrails";

/** Every policy of the pack. Policy names are a public contract: configs and suppressions refer to them. */
export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    // Keys
    kmsKeyRotationEnabled,
    kmsKeyDeletionWindow,
    kmsKeyRequiredTags,
    kmsKeyProtected,
    kmsAliasNaming,
    kmsKeyHasAlias,
    kmsKeyExplicitPolicy,
    // Key policies
    kmsKeyPolicyNoPublicPrincipal,
    kmsKeyPolicyNoNotElements,
    kmsKeyPolicyNoFullAccess,
    kmsKeyPolicySeparationOfDuties,
    kmsKeyPolicyServiceScopedUse,
    kmsKeyPolicyGrantsForAwsResources,
    kmsKeyPolicyAdminRights,
    kmsKeyPolicyTrustedAccounts,
    kmsKeyNoLockoutBypass,
    kmsKeyPolicyNoLockout,
    kmsKeyPolicyRecoveryPath,
    // KMS interface endpoints
    kmsVpcEndpointPrivateDns,
    kmsVpcEndpointMultiAz,
    kmsVpcEndpointSecurityGroup,
    kmsVpcEndpointPolicy,
    // Identity policies
    iamNoKmsDecryptOnAllKeys,
    // Watching the keys
    kmsKeyDeletionAlerts,
];
