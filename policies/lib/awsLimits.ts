/**
 * The limits AWS KMS sets on a key, in one place. The stack configuration's schema, the key component's checks and
 * the policy pack's config schemas and defaults all read them from here. The pack holds them because it stands alone
 * (it is published and run without the program); the program imports them from it.
 */

/**
 * Days a key scheduled for deletion waits before AWS deletes it: 7 to 30, and 30 when a request leaves it out.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html#KMS-ScheduleKeyDeletion-request-PendingWindowInDays
 */
export const deletionWindowInDays = { min: 7, max: 30, awsDefault: 30 } as const;

/**
 * Days between automatic rotations of a key's material: 90 to 2560, and 365 when a request leaves it out.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html#KMS-EnableKeyRotation-request-RotationPeriodInDays
 */
export const rotationPeriodInDays = { min: 90, max: 2560, awsDefault: 365 } as const;

/** "from 7 to 30", for messages. */
export function rangeText(limit: { min: number; max: number }): string {
    return `from ${limit.min} to ${limit.max}`;
}
