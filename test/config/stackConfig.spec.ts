import * as assert from "assert/strict";
import { ConfigError, parseStackConfig } from "../../config/stackConfig";
import { cliConfig } from "../helpers/stackConfig";

/** The known keys the messages list, in the schema's order: the stack's top level and a key's settings. */
const TOP_LEVEL_KEYS = "kms-keys:keys, kms-keys:vpcEndpoint, kms-keys:monitoring, kms-keys:tags, kms-keys:auditors";
const KEY_FIELDS =
    "alias, description, integratedService, tags, administrators, users, auditors, crossAccountUsers, allowKeyDeletion, deletionWindowInDays, enableKeyRotation, rotationPeriodInDays, accountRootRecovery, allowAccountRootFullAccess, protect, retainOnDelete";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Change = (c: Record<string, any>) => void;

/** Each mutation of the production stack file and the exact message a user reads. */
const rejected: [string, Change, string][] = [
    [
        "an alerts topic in another region",
        (c) => (c["kms-keys:monitoring"] = { topicArn: "arn:aws:sns:us-east-1:111111111111:security" }),
        "Pulumi.production.yaml: kms-keys:monitoring.topicArn: \"arn:aws:sns:us-east-1:111111111111:security\" is not allowed; expected an SNS topic in the stack's region ap-northeast-1: EventBridge delivers only to targets in the rule's region",
    ],
    [
        "emails beside an existing alerts topic",
        (c) =>
            (c["kms-keys:monitoring"] = {
                topicArn: "arn:aws:sns:ap-northeast-1:999999999999:security",
                emails: ["a@example.com"],
            }),
        'Pulumi.production.yaml: kms-keys:monitoring.emails: ["a@example.com"] is not allowed; expected no emails with topicArn: subscribe them to that topic where it is managed, or drop topicArn to have the program create a topic with these subscriptions',
    ],
    [
        "an alerts address that is not one",
        (c) => (c["kms-keys:monitoring"] = { emails: ["security"] }),
        'Pulumi.production.yaml: kms-keys:monitoring.emails[0]: "security" is not allowed; expected an email address such as security@example.com',
    ],
    [
        "an alerts topic that is not an SNS ARN",
        (c) => (c["kms-keys:monitoring"] = { topicArn: "security-alerts" }),
        'Pulumi.production.yaml: kms-keys:monitoring.topicArn: "security-alerts" is not allowed; expected the ARN of an existing standard SNS topic in the stack\'s region (arn:aws:sns:<region>:<account>:<name>)',
    ],
    [
        "a key's auditor of another account",
        (c) => (c["kms-keys:keys"].opensearch.auditors = ["arn:aws:iam::999999999999:role/Auditor"]),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.auditors[0]: "arn:aws:iam::999999999999:role/Auditor" is not allowed; expected a principal of this stack\'s account (aws:allowedAccountIds: 111111111111)',
    ],
    [
        "a stack-wide auditor of another account",
        (c) => (c["kms-keys:auditors"] = ["role/pulumi-preview", "arn:aws:iam::999999999999:role/Auditor"]),
        'Pulumi.production.yaml: kms-keys:auditors[1]: "arn:aws:iam::999999999999:role/Auditor" is not allowed; expected a principal of this stack\'s account (aws:allowedAccountIds: 111111111111)',
    ],
    [
        "a deletion window of 45 days",
        (c) => (c["kms-keys:keys"]["aurora-postgres"].deletionWindowInDays = 45),
        "Pulumi.production.yaml: kms-keys:keys.aurora-postgres.deletionWindowInDays: 45 is not allowed; expected an integer from 7 to 30 (days AWS waits before deleting a key scheduled for deletion)",
    ],
    [
        "a deletion window given as a string",
        (c) => (c["kms-keys:keys"]["aurora-postgres"].deletionWindowInDays = "30"),
        'Pulumi.production.yaml: kms-keys:keys.aurora-postgres.deletionWindowInDays: "30" is not allowed; expected an integer from 7 to 30 (days AWS waits before deleting a key scheduled for deletion)',
    ],
    [
        "a misspelt key property, suggesting the right one",
        (c) => {
            c["kms-keys:keys"]["opensearch"].deletionWindowDays = 7;
        },
        `Pulumi.production.yaml: kms-keys:keys.opensearch.deletionWindowDays: 7 is not allowed; expected one of the known keys (did you mean "deletionWindowInDays"?): ${KEY_FIELDS}`,
    ],
    [
        "a misspelt top-level key, suggesting the right one",
        (c) => {
            c["kms-keys:key"] = {};
        },
        `Pulumi.production.yaml: kms-keys:key: {} is not allowed; expected one of the known keys (did you mean "kms-keys:keys"?): ${TOP_LEVEL_KEYS}`,
    ],
    [
        "an alias under alias/aws/",
        (c) => (c["kms-keys:keys"]["aurora-postgres"].alias = "alias/aws/rds"),
        'Pulumi.production.yaml: kms-keys:keys.aurora-postgres.alias: "alias/aws/rds" is not allowed; expected an alias name that begins with "alias/" (not "alias/aws/", which AWS reserves) followed by letters, digits, "/", "_" or "-"',
    ],
    [
        "an alias without alias/",
        (c) => (c["kms-keys:keys"]["aurora-postgres"].alias = "aurora"),
        'Pulumi.production.yaml: kms-keys:keys.aurora-postgres.alias: "aurora" is not allowed; expected an alias name that begins with "alias/" (not "alias/aws/", which AWS reserves) followed by letters, digits, "/", "_" or "-"',
    ],
    [
        "two keys with one alias",
        (c) => (c["kms-keys:keys"]["opensearch"].alias = "alias/aurora-postgres-serverless-v2"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.alias: "alias/aurora-postgres-serverless-v2" is not allowed; expected an alias no other key uses (keys.aurora-postgres has it)',
    ],
    [
        "a key without administrators (lockout)",
        (c) => (c["kms-keys:keys"]["opensearch"].administrators = []),
        "Pulumi.production.yaml: kms-keys:keys.opensearch.administrators: [] is not allowed; expected a non-empty list of distinct IAM roles/users that manage the key (someone must always be able to call kms:PutKeyPolicy)",
    ],
    [
        "a key without users",
        (c) => delete c["kms-keys:keys"]["opensearch"].users,
        "Pulumi.production.yaml: kms-keys:keys.opensearch.users is missing; expected a non-empty list of distinct IAM roles/users that use the key through its integrated service",
    ],
    [
        "an administrator who is also a user",
        (c) => c["kms-keys:keys"]["opensearch"].users.push("role/KmsKeyAdministrator"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.users[2]: "role/KmsKeyAdministrator" is not allowed; expected a principal that is not also an administrator: administrators manage the key and never use it (separation of duties)',
    ],
    [
        "a bare principal name",
        (c) => (c["kms-keys:keys"]["opensearch"].users[0] = "OpenSearchProvisioner"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.users[0]: "OpenSearchProvisioner" is not allowed; expected an IAM role or user of this account as "role/<name>" or "user/<name>" (an IAM path may precede the name), or a full IAM role/user ARN',
    ],
    [
        "a user ARN of another account",
        (c) => (c["kms-keys:keys"]["opensearch"].users[0] = "arn:aws:iam::999999999999:role/X"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.users[0]: "arn:aws:iam::999999999999:role/X" is not allowed; expected a principal of this stack\'s account (aws:allowedAccountIds: 111111111111); put principals of other accounts in crossAccountUsers',
    ],
    [
        "a cross-account user of this account",
        (c) => (c["kms-keys:keys"]["opensearch"].crossAccountUsers = ["arn:aws:iam::111111111111:role/X"]),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.crossAccountUsers[0]: "arn:aws:iam::111111111111:role/X" is not allowed; expected a principal of another account; principals of this account belong in users',
    ],
    [
        "a key tag overriding Environment",
        (c) => (c["kms-keys:keys"]["opensearch"].tags.Environment = "prod"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.tags.Environment: "prod" is not allowed; expected the tag left out: the program sets the Environment tag itself',
    ],
    [
        "a stack tag overriding ManagedBy",
        (c) => (c["kms-keys:tags"].ManagedBy = "Terraform"),
        'Pulumi.production.yaml: kms-keys:tags.ManagedBy: "Terraform" is not allowed; expected the tag left out: the program sets the ManagedBy tag itself',
    ],
    [
        "a key without a Name tag",
        (c) => delete c["kms-keys:keys"]["opensearch"].tags.Name,
        "Pulumi.production.yaml: kms-keys:keys.opensearch.tags.Name is missing; expected a map of tags that includes Name and Service",
    ],
    [
        "a rotation period under 90 days",
        (c) => (c["kms-keys:keys"]["opensearch"].rotationPeriodInDays = 30),
        "Pulumi.production.yaml: kms-keys:keys.opensearch.rotationPeriodInDays: 30 is not allowed; expected an integer from 90 to 2560 (days between automatic rotations)",
    ],
    [
        "an integrated service other than rds or es",
        (c) => (c["kms-keys:keys"]["opensearch"].integratedService = "s3"),
        'Pulumi.production.yaml: kms-keys:keys.opensearch.integratedService: "s3" is not allowed; expected one of "rds" (Amazon RDS / Aurora), "es" (Amazon OpenSearch Service): the only service through which the key may be used',
    ],
    [
        "a key name that cannot name resources",
        (c) => {
            c["kms-keys:keys"]["Bad_Name"] = c["kms-keys:keys"]["opensearch"];
        },
        'Pulumi.production.yaml: kms-keys:keys.Bad_Name: "Bad_Name" is not allowed; expected key names of 1 to 40 lowercase letters, digits and hyphens, starting with a letter (they name the Pulumi resources)',
    ],
    [
        "a subnet outside the VPC",
        (c) => (c["kms-keys:vpcEndpoint"].subnets[1].cidrBlock = "10.1.2.0/24"),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnets[1].cidrBlock: "10.1.2.0/24" is not allowed; expected a CIDR block inside the VPC\'s 10.0.0.0/16',
    ],
    [
        "subnets in one availability zone",
        (c) => (c["kms-keys:vpcEndpoint"].subnets[1].availabilityZone = "ap-northeast-1a"),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnets: ["ap-northeast-1a","ap-northeast-1a"] is not allowed; expected subnets in at least two different availability zones (the endpoint must survive the loss of one zone)',
    ],
    [
        "overlapping subnets",
        (c) => (c["kms-keys:vpcEndpoint"].subnets[1].cidrBlock = "10.0.1.0/25"),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnets[1].cidrBlock: "10.0.1.0/25" is not allowed; expected a CIDR block that does not overlap kms-keys:vpcEndpoint.subnets[0] (10.0.1.0/24)',
    ],
    [
        "a VPC CIDR block that is not a network address",
        (c) => (c["kms-keys:vpcEndpoint"].vpcCidrBlock = "10.0.0.1/16"),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.vpcCidrBlock: "10.0.0.1/16" is not allowed; expected an IPv4 CIDR block such as 10.0.0.0/16, used to look the VPC up',
    ],
    [
        "both vpcId and vpcCidrBlock",
        (c) => (c["kms-keys:vpcEndpoint"].vpcId = "vpc-0123456789abcdef0"),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.vpcId: "vpc-0123456789abcdef0" is not allowed; expected exactly one of vpcId (the VPC\'s id) or vpcCidrBlock (to look the VPC up by its CIDR block)',
    ],
    [
        "a disabled endpoint whose settings are wrong: they are checked before it is turned on",
        (c) => {
            c["kms-keys:vpcEndpoint"].enabled = false;
            c["kms-keys:vpcEndpoint"].subnets[1].availabilityZone = "ap-northeast-1a";
        },
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnets: ["ap-northeast-1a","ap-northeast-1a"] is not allowed; expected subnets in at least two different availability zones (the endpoint must survive the loss of one zone)',
    ],
    [
        "a single subnet",
        (c) => c["kms-keys:vpcEndpoint"].subnets.pop(),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnets: [{"cidrBlock":"10.0.1.0/24","availabilityZone":"ap-northeast-1a"}] is not allowed; expected a list of at least two subnets ({cidrBlock, availabilityZone}) in different availability zones',
    ],
    [
        "a region that is not a region name",
        (c) => (c["aws:region"] = "tokyo"),
        'Pulumi.production.yaml: aws:region: "tokyo" is not allowed; expected an AWS region name such as ap-northeast-1',
    ],
    [
        "an account id that is not 12 digits",
        (c) => (c["aws:allowedAccountIds"] = ["12345"]),
        'Pulumi.production.yaml: aws:allowedAccountIds: ["12345"] is not allowed; expected a list of 12-digit AWS account ids',
    ],
    [
        "a stack without keys",
        (c) => delete c["kms-keys:keys"],
        "Pulumi.production.yaml: kms-keys:keys is missing; expected a map of key names to key definitions, with at least one key",
    ],
    [
        "an empty key map",
        (c) => (c["kms-keys:keys"] = {}),
        "Pulumi.production.yaml: kms-keys:keys: {} is not allowed; expected a map of key names to key definitions, with at least one key",
    ],
    [
        "a misspelt endpoint key, suggesting the right one",
        (c) => (c["kms-keys:vpcEndpoint"].privateDns = true),
        'Pulumi.production.yaml: kms-keys:vpcEndpoint.privateDns: true is not allowed; expected one of the known keys (did you mean "privateDnsEnabled"?): enabled, vpcId, vpcCidrBlock, subnetIds, subnets, privateDnsEnabled, sourceSecurityGroupIds, allowAllEgress, fullAccessPolicy',
    ],
];

describe("stack configuration", () => {
    for (const stack of ["production", "staging", "development"]) {
        it(`accepts the ${stack} stack file as it is`, () => {
            const settings = parseStackConfig(cliConfig(stack), stack);
            assert.deepEqual(Object.keys(settings.keys), ["aurora-postgres", "opensearch"]);
            assert.equal(settings.region, "ap-northeast-1");
        });
    }

    it("applies the secure defaults to a key that states only what is required", () => {
        const settings = parseStackConfig(
            cliConfig("production", (c) => {
                const key = c["kms-keys:keys"]["aurora-postgres"];
                for (const optional of [
                    "allowKeyDeletion",
                    "deletionWindowInDays",
                    "enableKeyRotation",
                    "rotationPeriodInDays",
                    "protect",
                    "retainOnDelete",
                ]) {
                    delete key[optional];
                }
                delete c["kms-keys:vpcEndpoint"].privateDnsEnabled;
                delete c["kms-keys:vpcEndpoint"].allowAllEgress;
                delete c["kms-keys:vpcEndpoint"].fullAccessPolicy;
                delete c["kms-keys:vpcEndpoint"].sourceSecurityGroupIds;
                delete c["kms-keys:tags"];
            }),
            "production",
        );
        const key = settings.keys["aurora-postgres"];
        assert.equal(key.allowKeyDeletion, false);
        assert.equal(key.deletionWindowInDays, 30);
        assert.equal(key.enableKeyRotation, true);
        assert.equal(key.rotationPeriodInDays, 365);
        assert.equal(key.allowAccountRootFullAccess, false);
        assert.equal(key.protect, true);
        assert.equal(key.retainOnDelete, true);
        assert.deepEqual(key.crossAccountUsers, []);
        assert.deepEqual(settings.tags, {});
        assert.deepEqual(settings.vpcEndpoint, {
            vpcCidrBlock: "10.0.0.0/16",
            subnets: [
                { cidrBlock: "10.0.1.0/24", availabilityZone: "ap-northeast-1a" },
                { cidrBlock: "10.0.2.0/24", availabilityZone: "ap-northeast-1c" },
            ],
            privateDnsEnabled: true,
            sourceSecurityGroupIds: [],
            allowAllEgress: false,
            fullAccessPolicy: false,
        });
    });

    it("sends alerts to a created topic unless the stack names one or turns them off", () => {
        const alerts = (change: Change) => parseStackConfig(cliConfig("production", change), "production").monitoring;
        assert.deepEqual(
            alerts((c) => delete c["kms-keys:monitoring"]),
            { emails: [] },
        );
        assert.deepEqual(
            alerts((c) => (c["kms-keys:monitoring"] = { emails: ["a@example.com", "b@example.com"] })),
            { emails: ["a@example.com", "b@example.com"] },
        );
        assert.deepEqual(
            alerts((c) => (c["kms-keys:monitoring"] = { topicArn: "arn:aws:sns:ap-northeast-1:999999999999:org" })),
            { topicArn: "arn:aws:sns:ap-northeast-1:999999999999:org" },
        );
        assert.equal(
            alerts((c) => (c["kms-keys:monitoring"] = { enabled: false, emails: ["a@example.com"] })),
            undefined,
        );
    });

    it("has no endpoint when the stack turns it off", () => {
        assert.equal(parseStackConfig(cliConfig("development"), "development").vpcEndpoint, undefined);
    });

    it("accepts the endpoint by VPC and subnet ids", () => {
        const settings = parseStackConfig(
            cliConfig("production", (c) => {
                c["kms-keys:vpcEndpoint"] = {
                    enabled: true,
                    vpcId: "vpc-0123456789abcdef0",
                    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                };
            }),
            "production",
        );
        assert.deepEqual(settings.vpcEndpoint?.subnetIds, ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
    });

    it("reads a config key written without its namespace as the project's", () => {
        const settings = parseStackConfig(
            cliConfig("development", (c) => {
                c.tags = c["kms-keys:tags"];
                delete c["kms-keys:tags"];
            }),
            "development",
        );
        assert.deepEqual(settings.tags, { CostCenter: "platform-security" });
    });

    it("names its errors ConfigError", () => {
        assert.equal(new ConfigError("f", "k", 1, "x").name, "ConfigError");
    });

    const reject = (change: Change) => {
        try {
            parseStackConfig(cliConfig("production", change), "production");
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            return error.message;
        }
        return assert.fail("expected a ConfigError");
    };

    it("shortens a long value to 117 characters and an ellipsis", () => {
        const message = reject((c) => (c["kms-keys:keys"].opensearch.description = "x".repeat(9000)));
        assert.equal(
            message,
            `Pulumi.production.yaml: kms-keys:keys.opensearch.description: "${"x".repeat(116)}... is not allowed; expected a non-empty description of at most 8192 characters`,
        );
    });

    it("keeps a value of exactly 120 characters whole", () => {
        const message = reject((c) => (c["kms-keys:keys"].opensearch.alias = "b".repeat(118)));
        assert.ok(message.includes(`: "${"b".repeat(118)}" is not allowed`));
    });

    it("writes list indexes of two digits in brackets", () => {
        const message = reject((c) => {
            const users = c["kms-keys:keys"].opensearch.users as string[];
            for (let i = 0; users.length < 10; i++) {
                users.push(`role/Extra${i}`);
            }
            users.push("Bad");
        });
        assert.match(
            message,
            /^Pulumi\.production\.yaml: kms-keys:keys\.opensearch\.users\[10\]: "Bad" is not allowed/,
        );
    });

    it("names a tag whose key holds a slash as it is written", () => {
        const message = reject((c) => (c["kms-keys:tags"]["team/owner"] = 5));
        assert.equal(
            message,
            "Pulumi.production.yaml: kms-keys:tags.team/owner: 5 is not allowed; expected a string of at most 256 characters",
        );
    });

    it("suggests a known key only when the name is close to it", () => {
        assert.match(
            reject((c) => (c["kms-keys:tgz"] = {})),
            /\(did you mean "kms-keys:tags"\?\)/,
        );
        assert.match(
            reject((c) => (c["kms-keys:keys"].opensearch.allo = true)),
            /\(did you mean "allowKeyDeletion"\?\)/,
        );
        const far = reject((c) => (c["kms-keys:zzz"] = {}));
        assert.equal(
            far,
            `Pulumi.production.yaml: kms-keys:zzz: {} is not allowed; expected one of the known keys: ${TOP_LEVEL_KEYS}`,
        );
        assert.ok(!reject((c) => (c["kms-keys:keys"].opensearch.pro = true)).includes("did you mean"));
    });

    it("suggests nothing for a name whose last letters take it out of reach", () => {
        assert.equal(
            reject((c) => (c["kms-keys:tagsxyz"] = {})),
            `Pulumi.production.yaml: kms-keys:tagsxyz: {} is not allowed; expected one of the known keys: ${TOP_LEVEL_KEYS}`,
        );
    });

    it("lists the known keys of a key without a suggestion when none is close", () => {
        assert.equal(
            reject((c) => (c["kms-keys:keys"].opensearch.pro = true)),
            `Pulumi.production.yaml: kms-keys:keys.opensearch.pro: true is not allowed; expected one of the known keys: ${KEY_FIELDS}`,
        );
    });

    it("shows the value of an unknown key whose name holds a slash", () => {
        assert.equal(
            reject((c) => (c["kms-keys:keys"].opensearch["retain/OnDelete"] = false)),
            `Pulumi.production.yaml: kms-keys:keys.opensearch.retain/OnDelete: false is not allowed; expected one of the known keys (did you mean "retainOnDelete"?): ${KEY_FIELDS}`,
        );
    });

    it("lists every allowed account when a principal belongs to none of them", () => {
        assert.equal(
            reject((c) => {
                c["aws:allowedAccountIds"] = ["111111111111", "222222222222"];
                c["kms-keys:keys"].opensearch.users[0] = "arn:aws:iam::999999999999:role/X";
            }),
            'Pulumi.production.yaml: kms-keys:keys.opensearch.users[0]: "arn:aws:iam::999999999999:role/X" is not allowed; expected a principal of this stack\'s account (aws:allowedAccountIds: 111111111111, 222222222222); put principals of other accounts in crossAccountUsers',
        );
    });

    it("accepts a cross-account user of another account", () => {
        const settings = parseStackConfig(
            cliConfig("production", (c) => {
                c["kms-keys:keys"].opensearch.crossAccountUsers = ["arn:aws:iam::444444444444:role/Reader"];
            }),
            "production",
        );
        assert.deepEqual(settings.keys.opensearch.crossAccountUsers, ["arn:aws:iam::444444444444:role/Reader"]);
    });

    it("refuses account ids of 11 or 13 digits", () => {
        for (const id of ["11111111111", "1111111111111"]) {
            assert.equal(
                reject((c) => (c["aws:allowedAccountIds"] = [id])),
                `Pulumi.production.yaml: aws:allowedAccountIds: ["${id}"] is not allowed; expected a list of 12-digit AWS account ids`,
            );
        }
    });

    it("writes map keys that end or begin with digits as dotted names", () => {
        assert.equal(
            reject((c) => {
                c["kms-keys:keys"].opensearch2 = { ...c["kms-keys:keys"].opensearch, deletionWindowInDays: 45 };
                delete c["kms-keys:keys"].opensearch;
            }),
            "Pulumi.production.yaml: kms-keys:keys.opensearch2.deletionWindowInDays: 45 is not allowed; expected an integer from 7 to 30 (days AWS waits before deleting a key scheduled for deletion)",
        );
        assert.equal(
            reject((c) => (c["kms-keys:tags"]["1st"] = 5)),
            "Pulumi.production.yaml: kms-keys:tags.1st: 5 is not allowed; expected a string of at most 256 characters",
        );
    });

    it("needs exactly one of subnetIds and subnets", () => {
        const both = reject(
            (c) => (c["kms-keys:vpcEndpoint"].subnetIds = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]),
        );
        const neither = reject((c) => delete c["kms-keys:vpcEndpoint"].subnets);
        for (const [message, value] of [
            [both, '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"] is not allowed'],
            [neither, "is missing"],
        ]) {
            assert.equal(
                message,
                `Pulumi.production.yaml: kms-keys:vpcEndpoint.subnetIds${value.startsWith("is") ? " " : ": "}${value}; expected exactly one of subnetIds (subnet ids) or subnets (a list of {cidrBlock, availabilityZone} to look up)`,
            );
        }
    });

    it("accepts subnets looked up by CIDR in a VPC named by id, and a stack without the endpoint key", () => {
        const byId = parseStackConfig(
            cliConfig("production", (c) => {
                delete c["kms-keys:vpcEndpoint"].vpcCidrBlock;
                c["kms-keys:vpcEndpoint"].vpcId = "vpc-0123456789abcdef0";
            }),
            "production",
        );
        assert.equal(byId.vpcEndpoint?.vpcId, "vpc-0123456789abcdef0");
        const none = parseStackConfig(
            cliConfig("production", (c) => delete c["kms-keys:vpcEndpoint"]),
            "production",
        );
        assert.equal(none.vpcEndpoint, undefined);
        const off = parseStackConfig(
            cliConfig("production", (c) => (c["kms-keys:vpcEndpoint"] = { enabled: false })),
            "production",
        );
        assert.equal(off.vpcEndpoint, undefined);
    });

    it("accepts region names of three parts and more, and refuses anything around them", () => {
        assert.equal(
            parseStackConfig(
                cliConfig("production", (c) => (c["aws:region"] = "us-gov-west-1")),
                "production",
            ).region,
            "us-gov-west-1",
        );
        for (const region of ["X-ap-northeast-1", "ap-northeast-1x", "ap-1"]) {
            assert.equal(
                reject((c) => (c["aws:region"] = region)),
                `Pulumi.production.yaml: aws:region: "${region}" is not allowed; expected an AWS region name such as ap-northeast-1`,
            );
        }
    });

    it("refuses an account id written as a number", () => {
        assert.equal(
            reject((c) => (c["aws:allowedAccountIds"] = [111111111111])),
            "Pulumi.production.yaml: aws:allowedAccountIds: [111111111111] is not allowed; expected a list of 12-digit AWS account ids",
        );
    });

    for (const [name, change, message] of rejected) {
        it(`rejects ${name}`, () => {
            assert.throws(
                () => parseStackConfig(cliConfig("production", change), "production"),
                (error: unknown) => {
                    assert.ok(error instanceof ConfigError);
                    assert.equal(error.message, message);
                    assert.equal(error.file, "Pulumi.production.yaml");
                    return true;
                },
            );
        });
    }
});
