/**
 * Identity policies: no decryption on all KMS keys (Security Hub controls KMS.1 and KMS.2). Side-effect free.
 */
import * as aws from "@pulumi/aws";
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

import { kmsActionsOf, kmsActionsOfStatement } from "./kmsActions";
import { Statement, globMatches, parsePolicyDocument } from "./policyDocument";
import { validateResourceOfTypes } from "./support";

/** The actions that reveal plaintext of data encrypted under any key they reach. */
export const DECRYPTION_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:ReEncryptFrom"];

/** Key ids that no pattern names literally: only a wildcard can match both, so only a wildcard covers every key. */
const KEY_ID_PROBES = ["\u0000", "\u0000".repeat(40)];

/**
 * True if an IAM resource pattern covers every KMS key of some account and region: `"*"`,
 * `"arn:aws:kms:*:*:key/*"`, `"arn:aws:kms:*:111122223333:*"`, `"arn:aws:kms:eu-west-1:*"`... but not
 * `"arn:aws:kms:*:111122223333:key/1234abcd-*"` or an alias ARN.
 */
export function coversAllKeys(pattern: string): boolean {
    const fields = pattern.split(":");
    // A stand-in for each ARN field the pattern writes, which that field's wildcards match: "eu-*" gives "eu-".
    const field = (i: number, fallback: string) =>
        fields.length > i ? fields[i].replace(/\*/g, "").replace(/\?/g, "a") : fallback;
    const partition = field(1, "aws");
    const region = field(3, "region");
    const account = field(4, "111122223333");
    return KEY_ID_PROBES.every((id) => globMatches(pattern, `arn:${partition}:kms:${region}:${account}:key/${id}`));
}

function describeResources(s: Statement): string {
    if (s.notResource !== undefined) {
        return `NotResource ${JSON.stringify(s.notResource)} (every resource but those)`;
    }
    const all = (s.resource ?? []).filter(coversAllKeys);
    return `Resource ${all.map((r) => JSON.stringify(r)).join(", ")}`;
}

/** The messages for statements of an identity policy that allow decryption on every key. `where` prefixes them. */
export function decryptOnAllKeysProblems(policy: unknown, where: string): string[] {
    const parsed = parsePolicyDocument(policy);
    if (!parsed.ok) {
        return [`${where} is ${parsed.error}. Fix the policy document.`];
    }
    const messages: string[] = [];
    for (const s of parsed.document.statements) {
        if (s.effect !== "Allow") {
            continue;
        }
        const granted = kmsActionsOfStatement(s.action, s.notAction);
        const decryption = DECRYPTION_ACTIONS.filter((a) => granted.has(a));
        const allKeys = s.notResource !== undefined || (s.resource ?? []).some(coversAllKeys);
        if (decryption.length === 0 || !allKeys) {
            continue;
        }
        let via = "";
        if (s.action !== undefined) {
            const patterns = s.action.filter((p) => kmsActionsOf(p).some((a) => decryption.includes(a)));
            if (!patterns.every((p) => decryption.some((a) => a.toLowerCase() === p.toLowerCase()))) {
                via = ` (through ${patterns.map((p) => JSON.stringify(p)).join(", ")})`;
            }
        } else {
            via = " (through NotAction)";
        }
        messages.push(
            `${where}, ${s.label}, allows ${decryption.join(" and ")}${via} on ${describeResources(s)}, that is on every ` +
                `KMS key (Security Hub KMS.1/KMS.2). Name the ARNs of the keys the principal needs in Resource.`,
        );
    }
    return messages;
}

type PolicyHolder = { policy: unknown; where: string }[];

function identityPolicies(args: ResourceValidationArgs): PolicyHolder | undefined {
    const standalone =
        args.asType(aws.iam.Policy) ??
        args.asType(aws.iam.RolePolicy) ??
        args.asType(aws.iam.UserPolicy) ??
        args.asType(aws.iam.GroupPolicy);
    if (standalone !== undefined) {
        return [{ policy: standalone.policy, where: "The policy" }];
    }
    const role = args.asType(aws.iam.Role);
    if (role !== undefined) {
        return (role.inlinePolicies ?? [])
            .filter((inline) => inline.policy !== undefined && inline.policy !== "")
            .map((inline, i) => ({
                policy: inline.policy,
                where: `Inline policy ${inline.name !== undefined ? JSON.stringify(inline.name) : `#${i + 1}`}`,
            }));
    }
    return undefined;
}

/** `iam-no-kms-decrypt-on-all-keys`: no identity policy allows decryption with every key. */
export const iamNoKmsDecryptOnAllKeys: ResourceValidationPolicy = {
    name: "iam-no-kms-decrypt-on-all-keys",
    description:
        "IAM identity policies (aws.iam.Policy, RolePolicy, UserPolicy, GroupPolicy and Role inline policies) must not " +
        'allow kms:Decrypt or kms:ReEncryptFrom on all KMS keys (Resource "*" or a pattern covering every key), as ' +
        "Security Hub controls KMS.1 and KMS.2 require.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateResourceOfTypes(
        [aws.iam.Policy, aws.iam.RolePolicy, aws.iam.UserPolicy, aws.iam.GroupPolicy, aws.iam.Role],
        identityPolicies,
        (policies, _args, reportViolation) => {
            for (const { policy, where } of policies) {
                decryptOnAllKeysProblems(policy, where).forEach((m) => reportViolation(m));
            }
        },
    ),
};
