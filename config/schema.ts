/**
 * JSON schema of this project's stack configuration (the `kms-keys:*` keys of Pulumi.<stack>.yaml).
 *
 * Every node carries an `allowed` text: it is what a user reads when a value is rejected, so it says what is
 * accepted in plain words. Defaults live here too, so the schema is the single description of the config.
 */
import { deletionWindowInDays, rangeText, rotationPeriodInDays } from "../policies/lib/awsLimits";
import { serviceChoices, serviceNames } from "./services";

/** The Pulumi project name, which is also the namespace of the stack configuration keys. */
export const projectName = "kms-keys";

const principalRef = {
    type: "string",
    pattern:
        "^((role|user)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}|arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(role|user)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$",
    allowed:
        'an IAM role or user of this account as "role/<name>" or "user/<name>" (an IAM path may precede the name), or a full IAM role/user ARN',
};

const crossAccountPrincipal = {
    type: "string",
    pattern: "^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(role|user)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$",
    allowed: "a full IAM role or user ARN of another AWS account (arn:aws:iam::<12-digit account>:role/<name>)",
};

const tagMap = {
    type: "object",
    propertyNames: {
        type: "string",
        pattern: "^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,128}$",
        allowed: "tag keys of 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with aws:",
    },
    additionalProperties: {
        type: "string",
        maxLength: 256,
        allowed: "a string of at most 256 characters",
    },
    allowed: "a map of tag names to string values",
};

const auditorList = {
    type: "array",
    uniqueItems: true,
    items: principalRef,
    default: [],
    allowed:
        "a list of distinct IAM roles/users of this account that may read the key's configuration (DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListResourceTags, ListGrants, ListKeyRotations) and nothing else",
};

const keySchema = {
    type: "object",
    allowed: "a key definition object",
    required: ["alias", "description", "integratedService", "tags", "administrators", "users"],
    additionalProperties: false,
    properties: {
        alias: {
            type: "string",
            pattern: "^alias/(?!aws/)[a-zA-Z0-9/_-]{1,250}$",
            allowed:
                'an alias name that begins with "alias/" (not "alias/aws/", which AWS reserves) followed by letters, digits, "/", "_" or "-"',
        },
        description: {
            type: "string",
            minLength: 1,
            maxLength: 8192,
            allowed: "a non-empty description of at most 8192 characters",
        },
        integratedService: {
            type: "string",
            enum: serviceNames,
            allowed: `one of ${serviceChoices()}: the only service through which the key may be used`,
        },
        tags: {
            ...tagMap,
            required: ["Name", "Service"],
            allowed: "a map of tags that includes Name and Service",
        },
        administrators: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            items: principalRef,
            allowed:
                "a non-empty list of distinct IAM roles/users that manage the key (someone must always be able to call kms:PutKeyPolicy)",
        },
        users: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            items: principalRef,
            allowed: "a non-empty list of distinct IAM roles/users that use the key through its integrated service",
        },
        auditors: auditorList,
        crossAccountUsers: {
            type: "array",
            uniqueItems: true,
            items: crossAccountPrincipal,
            default: [],
            allowed: "a list of distinct IAM role/user ARNs of other accounts",
        },
        allowKeyDeletion: {
            type: "boolean",
            default: false,
            allowed: "true or false (grants administrators kms:ScheduleKeyDeletion)",
        },
        deletionWindowInDays: {
            type: "integer",
            minimum: deletionWindowInDays.min,
            maximum: deletionWindowInDays.max,
            default: deletionWindowInDays.awsDefault,
            allowed: `an integer ${rangeText(deletionWindowInDays)} (days AWS waits before deleting a key scheduled for deletion)`,
        },
        enableKeyRotation: {
            type: "boolean",
            default: true,
            allowed: "true or false",
        },
        rotationPeriodInDays: {
            type: "integer",
            minimum: rotationPeriodInDays.min,
            maximum: rotationPeriodInDays.max,
            default: rotationPeriodInDays.awsDefault,
            allowed: `an integer ${rangeText(rotationPeriodInDays)} (days between automatic rotations)`,
        },
        accountRootRecovery: {
            type: "boolean",
            default: true,
            allowed:
                "true or false (true lets the account's root user, and no IAM user or role, change the key policy, so the owner can recover the key if its administrator roles are deleted)",
        },
        allowAccountRootFullAccess: {
            type: "boolean",
            default: false,
            allowed:
                "true or false (true adds the AWS default statement giving the account root kms:*, which lets IAM policies grant use of the key)",
        },
        protect: {
            type: "boolean",
            default: true,
            allowed: "true or false (true makes Pulumi refuse to delete or replace the key)",
        },
        retainOnDelete: {
            type: "boolean",
            default: true,
            allowed: "true or false (true leaves the key in AWS when Pulumi stops managing it)",
        },
    },
};

const endpointSchema = {
    type: "object",
    allowed: "a VPC endpoint definition object",
    required: ["enabled"],
    additionalProperties: false,
    properties: {
        enabled: { type: "boolean", allowed: "true or false" },
        vpcId: {
            type: "string",
            pattern: "^vpc-([0-9a-f]{8}|[0-9a-f]{17})$",
            allowed: "a VPC id such as vpc-0123456789abcdef0",
        },
        vpcCidrBlock: {
            type: "string",
            format: "ipv4-cidr",
            allowed: "an IPv4 CIDR block such as 10.0.0.0/16, used to look the VPC up",
        },
        subnetIds: {
            type: "array",
            minItems: 2,
            uniqueItems: true,
            items: {
                type: "string",
                pattern: "^subnet-([0-9a-f]{8}|[0-9a-f]{17})$",
                allowed: "a subnet id such as subnet-0123456789abcdef0",
            },
            allowed: "a list of at least two distinct subnet ids in different availability zones",
        },
        subnets: {
            type: "array",
            minItems: 2,
            items: {
                type: "object",
                required: ["cidrBlock", "availabilityZone"],
                additionalProperties: false,
                allowed: "an object with cidrBlock and availabilityZone",
                properties: {
                    cidrBlock: {
                        type: "string",
                        format: "ipv4-cidr",
                        allowed: "an IPv4 CIDR block such as 10.0.1.0/24",
                    },
                    availabilityZone: {
                        type: "string",
                        pattern: "^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$",
                        allowed: "an availability zone name such as ap-northeast-1a",
                    },
                },
            },
            allowed: "a list of at least two subnets ({cidrBlock, availabilityZone}) in different availability zones",
        },
        privateDnsEnabled: {
            type: "boolean",
            default: true,
            allowed: "true or false",
        },
        sourceSecurityGroupIds: {
            type: "array",
            uniqueItems: true,
            default: [],
            items: {
                type: "string",
                pattern: "^sg-([0-9a-f]{8}|[0-9a-f]{17})$",
                allowed: "a security group id such as sg-0123456789abcdef0",
            },
            allowed: "a list of distinct security group ids allowed to reach the endpoint on TCP 443",
        },
        allowAllEgress: {
            type: "boolean",
            default: false,
            allowed: "true or false (the endpoint only answers connections, so it needs no egress rule)",
        },
        fullAccessPolicy: {
            type: "boolean",
            default: false,
            allowed: "true or false (true drops the endpoint policy that admits only this account's principals)",
        },
    },
};

/**
 * Alerts on the keys' dangerous events (`kms-keys:monitoring`). On unless the stack file turns them off; they go to an
 * existing SNS topic (an organisation's security topic) or to a topic the program creates, with email subscriptions.
 */
const monitoringSchema = {
    type: "object",
    allowed: "an object with enabled, and either topicArn or emails",
    additionalProperties: false,
    default: { enabled: true },
    properties: {
        enabled: {
            type: "boolean",
            default: true,
            allowed: "true or false (false leaves deletion, disabling and policy changes of the keys unwatched)",
        },
        topicArn: {
            type: "string",
            pattern: "^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}$",
            allowed:
                "the ARN of an existing standard SNS topic in the stack's region (arn:aws:sns:<region>:<account>:<name>)",
        },
        emails: {
            type: "array",
            uniqueItems: true,
            default: [],
            items: {
                type: "string",
                pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
                allowed: "an email address such as security@example.com",
            },
            allowed: "a list of distinct email addresses subscribed to the topic the program creates",
        },
    },
};

/** The whole namespace: one property per `kms-keys:<name>` config key. */
export const stackConfigSchema = {
    type: "object",
    allowed: "the kms-keys stack configuration",
    required: ["keys"],
    additionalProperties: false,
    properties: {
        keys: {
            type: "object",
            minProperties: 1,
            propertyNames: {
                type: "string",
                pattern: "^[a-z][a-z0-9-]{0,39}$",
                allowed:
                    "key names of 1 to 40 lowercase letters, digits and hyphens, starting with a letter (they name the Pulumi resources)",
            },
            additionalProperties: keySchema,
            allowed: "a map of key names to key definitions, with at least one key",
        },
        vpcEndpoint: endpointSchema,
        monitoring: monitoringSchema,
        tags: { ...tagMap, default: {} },
        auditors: auditorList,
    },
} as const;
