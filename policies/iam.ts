/**
 * Identity policies: no decryption on all KMS keys (Security Hub controls KMS.1 and KMS.2). Side-effect free.
 */
import * as aws from "@pulumi/aws";
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

import { kmsActionsOf, kmsActionsOfStatement } from "./lib/kmsActions";
import { Statement, globMatches, parsePolicyDocument } from "./lib/policyDocument";
import { validateResourceOfTypes } from "./lib/ruleHelpers";

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
    // A stand-in for each ARN field the pattern writes, which that field's wildcards match: "eu-*" gives "eu-". A
    // field of wildcards only, or one the pattern does not write, takes a real-looking value: an empty partition would
    // let "arn?:*" match "arn::kms:...", which no real key ARN is.
    const field = (i: number, fallback: string) => {
        const standIn = fields.length > i ? fields[i].replace(/\*/g, "").replace(/\?/g, "a") : "";
        return standIn === "" ? fallback : standIn;
    };
    const partition = field(1, "aws");
    // Real-looking values, so that "*-1*" covers every key of us-east-1.
    const region = field(3, "us-east-1");
    const account = field(4, "111122223333");
    return KEY_ID_PROBES.every((id) => globMatches(pattern, `arn:${partition}:kms:${region}:${account}:key/${id}`));
}

/** How a message names the resources of `s` that cover every key: `covering` are those of its Resource. */
function describeResources(s: Statement, covering: readonly string[]): string {
    if (s.notResource !== undefined) {
        return `NotResource ${JSON.stringify(s.notResource)} (every resource but those)`;
    }
    return `Resource ${covering.map((r) => JSON.stringify(r)).join(", ")}`;
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
        const covering = s.resource?.filter(coversAllKeys) ?? [];
        if (decryption.length === 0 || (s.notResource === undefined && covering.length === 0)) {
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
            `${where}, ${s.label}, allows ${decryption.join(" and ")}${via} on ${describeResources(s, covering)}, that is on every ` +
                `KMS key (Security Hub KMS.1/KMS.2). Name the ARNs of the keys the principal needs in Resource.`,
        );
    }
    return messages;
}

type PolicyHolder = { policy: unknown; where: string }[];

/** The identity policy resources: a role carries its policies inline, the others are one policy each. */
const IDENTITY_POLICY_CLASSES = [
    aws.iam.Policy,
    aws.iam.RolePolicy,
    aws.iam.UserPolicy,
    aws.iam.GroupPolicy,
    aws.iam.Role,
];
const { Role } = aws.iam;

/** The policy documents of an identity policy resource (one of `IDENTITY_POLICY_CLASSES`). */
function identityPolicies(args: ResourceValidationArgs): PolicyHolder {
    const role = args.asType(Role);
    if (role === undefined) {
        return [{ policy: (args.props as { policy?: unknown }).policy, where: "The policy" }];
    }
    // An unnamed inline policy is numbered by its place in the program's list, empty entries included.
    return (
        role.inlinePolicies?.flatMap((inline, i) =>
            inline.policy !== undefined && inline.policy !== ""
                ? [
                      {
                          policy: inline.policy,
                          where: `Inline policy ${inline.name !== undefined ? JSON.stringify(inline.name) : `#${i + 1}`}`,
                      },
                  ]
                : [],
        ) ?? []
    );
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
    validateResource: validateResourceOfTypes(IDENTITY_POLICY_CLASSES, (_props, args, reportViolation) => {
        for (const { policy, where } of identityPolicies(args)) {
            decryptOnAllKeysProblems(policy, where).forEach((m) => reportViolation(m));
        }
    }),
};
