/**
 * Checks of the account the stack deploys to, made with look-ups before any resource is registered. Each catches a
 * mistake that would otherwise fail `pulumi up` after part of the stack exists, or after minutes of provider retries.
 */
import * as aws from "@pulumi/aws";
import { ConfigError, KeySettings, StackSettings } from "../config/stackConfig";
import { projectName } from "../config/schema";
import { AccountContext, principalArn, PrincipalError } from "../components/accessPolicies";

/** How the program asks IAM whether a principal exists; tests and the offline plan answer through Pulumi's mocks. */
export interface PrincipalLookups {
    role(name: string): Promise<unknown>;
    user(userName: string): Promise<unknown>;
}

/** Look-ups through the AWS provider's invokes. */
export const awsPrincipalLookups: PrincipalLookups = {
    role: (name) => aws.iam.getRole({ name }),
    user: (userName) => aws.iam.getUser({ userName }),
};

/**
 * The IAM principal a caller ARN stands for: an assumed-role session counts as its role (whose ARN in a session
 * drops the role's path, so only its name is known), an IAM user as itself, the root user as the account.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function principalOfCaller(
    callerArn: string,
): { kind: "role"; name: string } | { kind: "user"; arn: string } | { kind: "root" } | { kind: "other" } {
    const session = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
    if (session !== null) {
        return { kind: "role", name: session[1] };
    }
    if (/^arn:[^:]+:iam::\d{12}:user\//.test(callerArn)) {
        return { kind: "user", arn: callerArn };
    }
    if (/^arn:[^:]+:iam::\d{12}:root$/.test(callerArn)) {
        return { kind: "root" };
    }
    return { kind: "other" };
}

/** Whether the caller is one of the key's administrators, or the root user where the key policy lets it in. */
function administers(key: KeySettings, callerArn: string, account: AccountContext): boolean {
    const caller = principalOfCaller(callerArn);
    const administrators = key.administrators.map((ref) => principalArn(ref, account));
    switch (caller.kind) {
        case "role":
            return administrators.some((arn) => /:role\//.test(arn) && arn.split("/").pop() === caller.name);
        case "user":
            return administrators.includes(caller.arn);
        case "root":
            return key.accountRootRecovery || key.allowAccountRootFullAccess;
        default:
            return false;
    }
}

/**
 * The deploying principal must be an administrator of every key: AWS's lockout safety check refuses CreateKey when
 * the new key policy would not let the caller change it again.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key
 */
export function checkDeployerAdministers(
    file: string,
    settings: StackSettings,
    callerArn: string,
    account: AccountContext,
): void {
    for (const [name, key] of Object.entries(settings.keys)) {
        if (!administers(key, callerArn, account)) {
            const caller = principalOfCaller(callerArn);
            const who = caller.kind === "role" ? `role/${caller.name}` : callerArn;
            throw new ConfigError(
                file,
                `${projectName}:keys.${name}.administrators`,
                key.administrators,
                `a list that names the deploying principal ${who} (Pulumi runs as ${callerArn}): AWS refuses to create a ` +
                    `key whose policy would not let its creator change it (the lockout safety check)`,
            );
        }
    }
}

/** A principal the stack file names: where it names it, as written, and its ARN in the deploying account. */
export interface NamedPrincipal {
    keyPath: string;
    ref: string;
    arn: string;
}

/**
 * Every principal the key policies will name, in the stack file's order (key by key its administrators, users and own
 * auditors, then the stack-wide auditors), with its ARN. A full ARN must belong to the account the stack deploys to;
 * checked before registering.
 */
export function namedPrincipals(file: string, settings: StackSettings, account: AccountContext): NamedPrincipal[] {
    const places: { keyPath: string; ref: string }[] = [];
    for (const [name, key] of Object.entries(settings.keys)) {
        for (const field of ["administrators", "users"] as const) {
            key[field].forEach((ref, i) => places.push({ keyPath: `keys.${name}.${field}[${i}]`, ref }));
        }
        // A key's auditors hold the stack-wide ones too, after its own: those are named where the file names them.
        key.auditors
            .filter((ref) => !settings.auditors.includes(ref))
            .forEach((ref) => places.push({ keyPath: `keys.${name}.auditors[${key.auditors.indexOf(ref)}]`, ref }));
    }
    settings.auditors.forEach((ref, i) => places.push({ keyPath: `auditors[${i}]`, ref }));
    return places.map(({ keyPath, ref }) => {
        try {
            return { keyPath, ref, arn: principalArn(ref, account) };
        } catch (error) {
            throw new ConfigError(
                file,
                `${projectName}:${keyPath}`,
                ref,
                `a principal of the deploying account ${account.accountId} (${(error as PrincipalError).message})`,
            );
        }
    });
}

/**
 * Every principal of this account that a key policy names must exist: CreateKey and PutKeyPolicy refuse a policy
 * naming a principal that does not (MalformedPolicyDocumentException). Principals of other accounts cannot be looked
 * up from this one and are left to AWS.
 */
export async function checkPrincipalsExist(
    file: string,
    places: readonly NamedPrincipal[],
    accountId: string,
    lookups: PrincipalLookups = awsPrincipalLookups,
): Promise<void> {
    const distinct = [...new Set(places.map((p) => p.arn))];
    const failures = new Map<string, string>();
    await Promise.all(
        distinct.map(async (arn) => {
            // arn:<partition>:iam::<account>:role/<path/>Name (or user/...): look-ups take the bare name.
            const resource = arn.split(":").slice(5).join(":");
            const kind = resource.split("/")[0];
            const name = resource.split("/").pop() as string;
            try {
                await (kind === "role" ? lookups.role(name) : lookups.user(name));
            } catch (error) {
                failures.set(arn, (error as Error).message || "AWS gave no reason");
            }
        }),
    );
    const missing = places.find((p) => failures.has(p.arn));
    if (missing !== undefined) {
        throw new ConfigError(
            file,
            `${projectName}:${missing.keyPath}`,
            missing.ref,
            `an IAM role or user that exists in account ${accountId} (the look-up of ${missing.arn} failed: ` +
                `${failures.get(missing.arn)}); AWS refuses a key policy that names a principal that does not exist`,
        );
    }
}
