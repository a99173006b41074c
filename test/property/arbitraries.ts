/**
 * Generators of stack configurations, in the shape of a Pulumi.<stack>.yaml `config:` map. Valid ones cover what the
 * schema allows (principal names and paths, user counts, cross-account users, deletion allowed or not, windows 7..30,
 * rotation 90..2560, rds or es, with or without an endpoint); invalid ones are valid ones with exactly one mistake,
 * together with the key path the error message must name.
 */
import { KeySettings } from "../../config/stackConfig";
import fc from "fast-check";
import { serviceNames } from "../../config/services";

/** A stack configuration as the stack file holds it, and the stack it is for. */
export interface GeneratedStack {
    stack: string;
    config: Record<string, unknown>;
}

/** One key of a generated configuration (the `kms-keys:keys.<name>` entry): what the parser returns for it. */
export type GeneratedKey = KeySettings;

export const regions = ["ap-northeast-1", "us-east-1", "eu-west-1", "ap-southeast-2"] as const;

const accountId = fc.stringMatching(/^[1-9]\d{11}$/);
const iamName = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,24}$/);
const iamPath = fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { maxLength: 2 });
// Built once: fast-check parses a regular expression each time stringMatching is called, which inside chain() would
// be once per generated case.
const goodAlias = fc
    .stringMatching(/^[a-zA-Z0-9/_-]{1,30}$/)
    .filter((a) => !a.toLowerCase().startsWith("aws/"))
    .map((a) => `alias/${a}`);
const extraTagMap = fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,10}$/), fc.string({ maxLength: 20 }), {
    maxKeys: 2,
});
const description = fc.string({ minLength: 1, maxLength: 60 });
const keyName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const stackName = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const unknownName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,20}$/);

/** `role/<path><name>`, `user/<path><name>` or, in the stack's account, the full ARN. */
function principalRef(account: string): fc.Arbitrary<string> {
    return fc
        .record({
            kind: fc.constantFrom("role", "user"),
            path: iamPath,
            name: iamName,
            full: fc.boolean(),
        })
        .map(({ kind, path, name, full }) => {
            const ref = `${kind}/${path.map((p) => `${p}/`).join("")}${name}`;
            return full ? `arn:aws:iam::${account}:${ref}` : ref;
        });
}

/** The IAM name a principal reference ends with: IAM names are unique per account whatever the path. */
export function principalName(ref: string): string {
    return ref.split("/").pop() as string;
}

function crossAccountUser(account: string): fc.Arbitrary<string> {
    return fc
        .record({ other: accountId, kind: fc.constantFrom("role", "user"), name: iamName })
        .filter(({ other }) => other !== account)
        .map(({ other, kind, name }) => `arn:aws:iam::${other}:${kind}/${name}`);
}

/** The role every generated stack deploys as. */
export const DEPLOYER = "role/stack-deployer";

/**
 * One key, its administrators and users drawn from the stack's principals: IAM names are unique in an account, so a
 * name means one principal across every key of the stack (administrators are often shared, as in the stack files).
 */
function key(account: string, principals: readonly string[]): fc.Arbitrary<GeneratedKey> {
    const others = principals.filter((p) => principalName(p) !== principalName(DEPLOYER));
    return fc
        .shuffledSubarray([...others], { minLength: 2, maxLength: Math.min(6, others.length) })
        .chain((chosen) =>
            fc.record({
                adminCount: fc.integer({ min: 1, max: chosen.length - 1 }),
                chosen: fc.constant(chosen),
                alias: goodAlias,
                description,
                integratedService: fc.constantFrom(...serviceNames),
                extraTags: extraTagMap,
                auditors: fc.subarray(chosen, { maxLength: 1 }),
                crossAccountUsers: fc.uniqueArray(crossAccountUser(account), { maxLength: 3 }),
                allowKeyDeletion: fc.boolean(),
                accountRootRecovery: fc.boolean(),
                deletionWindowInDays: fc.integer({ min: 7, max: 30 }),
                rotationPeriodInDays: fc.integer({ min: 90, max: 2560 }),
                allowAccountRootFullAccess: fc.boolean(),
                protect: fc.boolean(),
                retainOnDelete: fc.boolean(),
            }),
        )
        .map(({ adminCount, chosen, extraTags, ...rest }) => {
            const tags: Record<string, string> = { Name: `${rest.alias.slice(6)}-key`, Service: "Data" };
            for (const [k, v] of Object.entries(extraTags)) {
                if (!["Name", "Service", "Environment", "ManagedBy"].includes(k)) {
                    tags[k] = v;
                }
            }
            return {
                ...rest,
                tags,
                // The role that deploys the stack administers every key, as AWS's lockout safety check requires.
                administrators: [DEPLOYER, ...chosen.slice(0, adminCount)],
                users: chosen.slice(adminCount),
                enableKeyRotation: true,
            };
        });
}

/** A KMS endpoint looked up by CIDR: two or three distinct /24s of a /16, in distinct zones. */
function endpoint(region: string): fc.Arbitrary<Record<string, unknown>> {
    return fc
        .record({
            second: fc.integer({ min: 0, max: 255 }),
            thirds: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 2, maxLength: 3 }),
            privateDnsEnabled: fc.boolean(),
        })
        .map(({ second, thirds, privateDnsEnabled }) => ({
            enabled: true,
            vpcCidrBlock: `10.${second}.0.0/16`,
            subnets: thirds.map((third, i) => ({
                cidrBlock: `10.${second}.${third}.0/24`,
                availabilityZone: `${region}${"acd"[i]}`,
            })),
            privateDnsEnabled,
        }));
}

/** A valid stack configuration: one to three keys with distinct names and aliases. */
export function validStack(): fc.Arbitrary<GeneratedStack> {
    return fc
        .record({
            stack: stackName,
            region: fc.constantFrom(...regions),
            account: accountId,
        })
        .chain(({ stack, region, account }) =>
            fc.record({
                stack: fc.constant(stack),
                region: fc.constant(region),
                account: fc.constant(account),
                principals: fc.uniqueArray(principalRef(account), {
                    minLength: 2,
                    maxLength: 8,
                    selector: principalName,
                }),
            }),
        )
        .chain(({ stack, region, account, principals }) =>
            fc.record({
                stack: fc.constant(stack),
                region: fc.constant(region),
                account: fc.constant(account),
                keys: fc.uniqueArray(fc.tuple(keyName, key(account, principals)), {
                    minLength: 1,
                    maxLength: 3,
                    selector: ([name]) => name,
                }),
                endpoint: fc.option(endpoint(region), { nil: undefined }),
                stackTags: fc.constantFrom({}, { CostCenter: "platform-security" }),
            }),
        )
        .filter(({ keys }) => new Set(keys.map(([, k]) => k.alias.toLowerCase())).size === keys.length)
        .map(({ stack, region, account, keys, endpoint: vpcEndpoint, stackTags }) => ({
            stack,
            config: {
                "aws:region": region,
                "aws:allowedAccountIds": [account],
                "kms-keys:tags": stackTags,
                "kms-keys:keys": Object.fromEntries(keys),
                "kms-keys:vpcEndpoint": vpcEndpoint ?? { enabled: false },
            },
        }));
}

/** A stack configuration with one mistake, and the key path the error must name. */
export interface BrokenStack extends GeneratedStack {
    mistake: string;
    keyPath: string;
}

type Keys = Record<string, Record<string, unknown>>;

/** A deep copy, so that a mistake never leaks into the configuration it was made from. */
function copy<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

/** Values of the wrong JSON type for a field whose right type is `right`. */
function wrongTypeValue(right: "string" | "number" | "boolean" | "array" | "object"): fc.Arbitrary<unknown> {
    const all: Record<string, fc.Arbitrary<unknown>> = {
        string: fc.string({ maxLength: 10 }),
        number: fc.double({ noNaN: true, noDefaultInfinity: true }),
        boolean: fc.boolean(),
        array: fc.array(fc.integer(), { maxLength: 2 }),
        object: fc.constant({ nested: 1 }),
        null: fc.constant(null),
    };
    return fc.oneof(
        ...Object.entries(all)
            .filter(([type]) => type !== right)
            .map(([, arb]) => arb),
    );
}

const keyFieldTypes = {
    alias: "string",
    description: "string",
    integratedService: "string",
    tags: "object",
    administrators: "array",
    users: "array",
    crossAccountUsers: "array",
    allowKeyDeletion: "boolean",
    deletionWindowInDays: "number",
    enableKeyRotation: "boolean",
    rotationPeriodInDays: "number",
    allowAccountRootFullAccess: "boolean",
    protect: "boolean",
    retainOnDelete: "boolean",
} as const;

/** Strings that are not IAM role/user references of the stack's account. */
const badPrincipal = fc.oneof(
    fc.stringMatching(/^[A-Za-z]{1,12}$/),
    fc.constantFrom("group/Admins", "role/", "user/", "role/has space", "role/bad*name", "arn:aws:iam::12345:role/X"),
    fc.constantFrom("arn:aws:iam::123456789012:root", "*", "arn:aws:sts::123456789012:assumed-role/X/s"),
    fc.stringMatching(/^role\/[A-Za-z]{65,70}$/),
);

/** Aliases AWS or the schema refuses. */
const badAlias = fc.oneof(
    fc.stringMatching(/^[a-z]{1,10}$/),
    fc.stringMatching(/^alias\/aws\/[a-z]{1,10}$/),
    fc.constantFrom("alias/", "alias/has space", "alias/star*", "Alias/upper", "alias/dot.ted"),
    fc.stringMatching(/^alias\/[a-z]{251,255}$/),
);

/** Exactly one mistake in a valid configuration. */
export function brokenStack(): fc.Arbitrary<BrokenStack> {
    return validStack().chain((valid) => {
        const file = valid.config;
        const keys = file["kms-keys:keys"] as Keys;
        const names = Object.keys(keys);
        const account = (file["aws:allowedAccountIds"] as string[])[0];
        const anyKey = fc.constantFrom(...names);
        const at = (name: string) => `kms-keys:keys.${name}`;
        const broken = (mistake: string, keyPath: string, change: (config: Record<string, unknown>) => void) => {
            const config = copy(file);
            change(config);
            return { stack: valid.stack, config, mistake, keyPath };
        };
        const keysOf = (config: Record<string, unknown>) => config["kms-keys:keys"] as Keys;

        const mistakes: fc.Arbitrary<BrokenStack>[] = [
            fc
                .tuple(anyKey, fc.constantFrom(...(Object.keys(keyFieldTypes) as (keyof typeof keyFieldTypes)[])))
                .chain(([name, field]) =>
                    wrongTypeValue(keyFieldTypes[field]).map((value) =>
                        broken(`${field} of the wrong type`, `${at(name)}.${field}`, (c) => {
                            keysOf(c)[name][field] = value;
                        }),
                    ),
                ),
            fc
                .tuple(
                    anyKey,
                    fc.oneof(
                        fc.record({
                            field: fc.constant("deletionWindowInDays"),
                            value: fc.oneof(fc.integer({ max: 6 }), fc.integer({ min: 31 })),
                        }),
                        fc.record({
                            field: fc.constant("rotationPeriodInDays"),
                            value: fc.oneof(fc.integer({ max: 89 }), fc.integer({ min: 2561 })),
                        }),
                        fc.record({
                            field: fc.constantFrom("deletionWindowInDays", "rotationPeriodInDays"),
                            value: fc
                                .double({ min: 7.01, max: 2559.99, noNaN: true })
                                .filter((v) => !Number.isInteger(v)),
                        }),
                    ),
                )
                .map(([name, { field, value }]) =>
                    broken(`${field} out of range`, `${at(name)}.${field}`, (c) => {
                        keysOf(c)[name][field] = value;
                    }),
                ),
            fc
                .tuple(anyKey, unknownName)
                .filter(([, unknown]) => !Object.hasOwn(keyFieldTypes, unknown))
                .map(([name, unknown]) =>
                    broken("an unknown key property", `${at(name)}.${unknown}`, (c) => {
                        keysOf(c)[name][unknown] = true;
                    }),
                ),
            unknownName
                .filter((unknown) => !["keys", "vpcEndpoint", "tags"].includes(unknown))
                .map((unknown) =>
                    broken("an unknown top-level key", `kms-keys:${unknown}`, (c) => {
                        c[`kms-keys:${unknown}`] = "x";
                    }),
                ),
            fc.tuple(anyKey, badAlias).map(([name, alias]) =>
                broken("a bad alias", `${at(name)}.alias`, (c) => {
                    keysOf(c)[name].alias = alias;
                }),
            ),
            fc
                .tuple(anyKey, fc.constantFrom("administrators", "users"), fc.nat(), badPrincipal)
                .map(([name, field, n, principal]) => {
                    const index = n % (keys[name][field] as string[]).length;
                    return broken(`a bad principal in ${field}`, `${at(name)}.${field}[${index}]`, (c) => {
                        (keysOf(c)[name][field] as string[])[index] = principal;
                    });
                }),
            fc.tuple(anyKey, fc.constantFrom("administrators", "users"), fc.nat()).map(([name, field, n]) => {
                const index = n % (keys[name][field] as string[]).length;
                const other = `${account.slice(0, 11)}${(Number(account[11]) + 1) % 10}`;
                return broken(`a principal of another account in ${field}`, `${at(name)}.${field}[${index}]`, (c) => {
                    (keysOf(c)[name][field] as string[])[index] = `arn:aws:iam::${other}:role/Elsewhere`;
                });
            }),
            fc.tuple(anyKey, fc.nat()).map(([name, n]) => {
                const administrators = keys[name].administrators as string[];
                const admin = administrators[n % administrators.length];
                const users = keys[name].users as string[];
                return broken("an administrator who is also a user", `${at(name)}.users[${users.length}]`, (c) => {
                    (keysOf(c)[name].users as string[]).push(admin);
                });
            }),
            fc
                .tuple(
                    anyKey,
                    fc.constantFrom("alias", "description", "integratedService", "tags", "administrators", "users"),
                )
                .map(([name, field]) =>
                    broken(`${field} missing`, `${at(name)}.${field}`, (c) => {
                        delete keysOf(c)[name][field];
                    }),
                ),
            fc.tuple(anyKey, fc.constantFrom("Environment", "ManagedBy")).map(([name, tag]) =>
                broken(`a key tag ${tag}`, `${at(name)}.tags.${tag}`, (c) => {
                    (keysOf(c)[name].tags as Record<string, string>)[tag] = "x";
                }),
            ),
            fc.tuple(anyKey, fc.constantFrom("role", "user")).map(([name, kind]) =>
                broken("a cross-account user of the stack's own account", `${at(name)}.crossAccountUsers[0]`, (c) => {
                    keysOf(c)[name].crossAccountUsers = [`arn:aws:iam::${account}:${kind}/Local`];
                }),
            ),
            fc.constantFrom("Bad_Name", "1key", "UPPER", "-x", "a".repeat(41)).chain((bad) =>
                anyKey.map((name) =>
                    broken("a key name that cannot name resources", `kms-keys:keys.${bad}`, (c) => {
                        keysOf(c)[bad] = copy(keys[name]);
                    }),
                ),
            ),
            fc.constantFrom("tokyo", "ap-northeast", "AP-NORTHEAST-1", "").map((region) =>
                broken("a bad region", "aws:region", (c) => {
                    c["aws:region"] = region;
                }),
            ),
            fc.constantFrom<unknown>(["12345"], "111111111111", [123456789012], ["1111111111111"], {}).map((ids) =>
                broken("bad allowed account ids", "aws:allowedAccountIds", (c) => {
                    c["aws:allowedAccountIds"] = ids;
                }),
            ),
            fc
                .tuple(
                    fc.constantFrom(
                        ["kms-keys:keys", "object"] as const,
                        ["kms-keys:tags", "object"] as const,
                        ["kms-keys:vpcEndpoint", "object"] as const,
                    ),
                    fc.nat(),
                )
                .chain(([[top, type]]) =>
                    wrongTypeValue(type)
                        // A string holding JSON reaches the program as that JSON: "{}" is an object after all.
                        .filter((v) => typeof v !== "string" || !/^\s*[{]/.test(v))
                        .map((value) =>
                            broken(`${top} of the wrong type`, top, (c) => {
                                c[top] = value;
                            }),
                        ),
                ),
        ];
        if (names.length > 1) {
            mistakes.push(
                fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([a, b, upper]) => {
                    const first = a % (names.length - 1);
                    const second = first + 1 + (b % (names.length - first - 1));
                    const alias = keys[names[first]].alias as string;
                    return broken("a duplicate alias", `${at(names[second])}.alias`, (c) => {
                        keysOf(c)[names[second]].alias = upper
                            ? alias.toUpperCase().replace("ALIAS/", "alias/")
                            : alias;
                    });
                }),
            );
        }
        const endpointConfig = file["kms-keys:vpcEndpoint"] as { enabled: boolean; subnets?: { cidrBlock: string }[] };
        if (endpointConfig.enabled && endpointConfig.subnets) {
            const subnets = endpointConfig.subnets;
            mistakes.push(
                fc.tuple(fc.nat(), fc.constantFrom(16, 20, 23, 24, 25, 28)).map(([n, prefix]) => {
                    const index = 1 + (n % (subnets.length - 1));
                    const [a, b, c] = subnets[n % index].cidrBlock.split(".");
                    const block = prefix === 16 ? `${a}.${b}.0.0/16` : `${a}.${b}.${c}.0/${Math.max(prefix, 24)}`;
                    return broken("overlapping subnets", `kms-keys:vpcEndpoint.subnets[${index}].cidrBlock`, (conf) => {
                        const list = (conf["kms-keys:vpcEndpoint"] as { subnets: { cidrBlock: string }[] }).subnets;
                        list[index].cidrBlock = block;
                    });
                }),
                fc.constantFrom("privateDns", "subnet", "vpc", "dns").map((unknown) =>
                    broken("an unknown endpoint key", `kms-keys:vpcEndpoint.${unknown}`, (c) => {
                        (c["kms-keys:vpcEndpoint"] as Record<string, unknown>)[unknown] = true;
                    }),
                ),
                fc.constant(
                    broken("subnets in one availability zone", "kms-keys:vpcEndpoint.subnets", (c) => {
                        const list = (c["kms-keys:vpcEndpoint"] as { subnets: { availabilityZone: string }[] }).subnets;
                        list.forEach((s) => (s.availabilityZone = list[0].availabilityZone));
                    }),
                ),
                fc
                    .constantFrom(
                        ["enabled", "boolean"] as const,
                        ["privateDnsEnabled", "boolean"] as const,
                        ["vpcCidrBlock", "string"] as const,
                        ["subnets", "array"] as const,
                        ["sourceSecurityGroupIds", "array"] as const,
                    )
                    .chain(([field, type]) =>
                        wrongTypeValue(type).map((value) =>
                            broken(`vpcEndpoint.${field} of the wrong type`, `kms-keys:vpcEndpoint.${field}`, (c) => {
                                (c["kms-keys:vpcEndpoint"] as Record<string, unknown>)[field] = value;
                            }),
                        ),
                    ),
                fc.constantFrom("10.0.0.1/16", "10.0.0.0/33", "300.0.0.0/16", "10.0.0.0").map((block) =>
                    broken("a VPC CIDR block that is not a network", "kms-keys:vpcEndpoint.vpcCidrBlock", (c) => {
                        (c["kms-keys:vpcEndpoint"] as Record<string, unknown>).vpcCidrBlock = block;
                    }),
                ),
            );
        }
        return fc.oneof(...mistakes);
    });
}

/** Every path to a value inside a JSON value (the root's path is empty). */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    const found = [at];
    if (Array.isArray(value)) {
        value.forEach((item, i) => found.push(...pathsOf(item, [...at, i])));
    } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            found.push(...pathsOf(item, [...at, key]));
        }
    }
    return found;
}

/**
 * A valid configuration with any JSON value put anywhere: in place of an existing value, or under a new key (including
 * keys such as `__proto__` and `constructor` that plain objects treat specially). The result may even be valid.
 */
export function fuzzedStack(): fc.Arbitrary<GeneratedStack & { where: string }> {
    return fc
        .tuple(
            validStack(),
            fc.nat(),
            fc.jsonValue({ maxDepth: 2 }),
            fc.boolean(),
            fc.oneof(
                fc.string({ maxLength: 8 }),
                fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"),
            ),
        )
        .map(([valid, n, value, add, key]) => {
            const config = copy(valid.config);
            const paths = pathsOf(config).filter((p) => p.length > 0);
            const target = paths[n % paths.length];
            const last = target[target.length - 1];
            const parent = target
                .slice(0, -1)
                .reduce<Record<string | number, unknown>>(
                    (node, segment) => node[segment] as Record<string | number, unknown>,
                    config,
                );
            const existing = parent[last];
            if (add && existing !== null && typeof existing === "object" && !Array.isArray(existing)) {
                // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it.
                Object.defineProperty(existing, key, { value, enumerable: true, configurable: true, writable: true });
                return { stack: valid.stack, config, where: `${target.join(".")}.${key}` };
            }
            parent[last] = value;
            return { stack: valid.stack, config, where: target.join(".") };
        });
}
