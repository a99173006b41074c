/**
 * Monthly cost estimate of a stack, from the one price table below: the keys (with what their rotations add) and the
 * KMS interface endpoint, in the first year and once the keys' rotations no longer add anything. API requests and
 * endpoint data processing depend on traffic and are left out of the estimate, which says so.
 */

/** List prices, On-Demand, in USD. */
export const prices = {
    currency: "USD",
    /**
     * A customer managed key, per month; each of its first two rotations adds as much again, later rotations are free.
     * https://aws.amazon.com/kms/pricing/ (key storage, "Key rotation")
     */
    keyPerMonth: 1,
    /** Rotations that add `keyPerMonth` each; the ones after them add nothing. */
    billedRotations: 2,
    /**
     * An interface endpoint, per availability zone and hour, by region: the AWS Price List API's `<region>-VpcEndpoint-Hours`
     * (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonVPC/current/<region>/index.json, shown on
     * https://aws.amazon.com/privatelink/pricing/). A region not listed is priced at `defaultRegion`'s rate, and the
     * estimate says so.
     */
    endpointPerAzHour: { "us-east-1": 0.01, "ap-northeast-1": 0.014 } as Readonly<Record<string, number>>,
    defaultRegion: "us-east-1",
    /** Hours in a month as AWS bills them (730 = 8760 / 12). */
    hoursPerMonth: 730,
    /**
     * EventBridge matches AWS services' events on the default bus, CloudTrail's included, at no charge.
     * https://aws.amazon.com/eventbridge/pricing/ ("Event buses": "AWS service events ... free")
     */
    ruleEventPerMillion: 0,
    /**
     * SNS email notifications: the first 1,000 a month are free, then $2 per 100,000; a standard topic costs nothing.
     * https://aws.amazon.com/sns/pricing/
     */
    freeEmailsPerMonth: 1000,
    emailPer100k: 2,
} as const;

/** The alerts on the keys, as the estimate sees them. */
export interface AlertsCostInput {
    rules: number;
    /** Email subscriptions of the topic the program creates (0 with an existing topic). */
    emailSubscriptions: number;
}

/** A key as the estimate sees it. */
export interface KeyCostInput {
    alias: string;
    /** Days between automatic rotations, or undefined when the key does not rotate. */
    rotationPeriodInDays?: number;
}

/** One line of an estimate. */
export interface CostItem {
    item: string;
    quantity: number;
    unit: string;
    unitPrice: number;
    /** Average per month over the first year. */
    monthly: number;
    /** Per month once every billed rotation has happened. */
    steadyMonthly: number;
}

/** A monthly estimate. */
export interface CostEstimate {
    currency: string;
    region: string;
    /** Average per month over the first year. */
    monthly: number;
    /** Per month once every key's billed rotations have happened. */
    steadyMonthly: number;
    items: CostItem[];
    /** What the figures assume, in words, for the plan to print. */
    assumptions: string[];
    excludes: string[];
}

const cents = (n: number) => Math.round(n * 100) / 100;

const DAYS_PER_YEAR = 365;

/**
 * A key's cost per month: averaged over its first year, and once its billed rotations have happened. A rotation on
 * day d of the year adds `keyPerMonth` for the rest of the year; rotations after the second add nothing.
 */
export function keyMonthly(rotationPeriodInDays: number | undefined): { firstYear: number; steady: number } {
    if (rotationPeriodInDays === undefined) {
        return { firstYear: prices.keyPerMonth, steady: prices.keyPerMonth };
    }
    let extraDays = 0;
    for (let n = 1; n <= prices.billedRotations; n++) {
        extraDays += Math.max(0, DAYS_PER_YEAR - n * rotationPeriodInDays);
    }
    return {
        firstYear: prices.keyPerMonth * (1 + extraDays / DAYS_PER_YEAR),
        steady: prices.keyPerMonth * (1 + prices.billedRotations),
    };
}

/** Estimates a stack in `region` from its keys and the number of zones its endpoint spans (0 when it has none). */
export function estimateMonthlyCost(
    keys: KeyCostInput[],
    endpointZones: number,
    region: string,
    alerts?: AlertsCostInput,
): CostEstimate {
    const items: CostItem[] = keys.map((key) => {
        const { firstYear, steady } = keyMonthly(key.rotationPeriodInDays);
        return {
            item:
                key.rotationPeriodInDays === undefined
                    ? `KMS key ${key.alias} (no rotation)`
                    : `KMS key ${key.alias} (rotated every ${key.rotationPeriodInDays} days)`,
            quantity: 1,
            unit: "key-month",
            unitPrice: prices.keyPerMonth,
            monthly: cents(firstYear),
            steadyMonthly: cents(steady),
        };
    });
    const listed = prices.endpointPerAzHour[region];
    const perAzHour = listed ?? prices.endpointPerAzHour[prices.defaultRegion];
    if (endpointZones > 0) {
        const hours = endpointZones * prices.hoursPerMonth;
        items.push({
            item: `KMS interface endpoint in ${endpointZones} availability zones`,
            quantity: hours,
            unit: "AZ-hour",
            unitPrice: perAzHour,
            monthly: cents(hours * perAzHour),
            steadyMonthly: cents(hours * perAzHour),
        });
    }
    if (alerts !== undefined) {
        items.push({
            item: "EventBridge rules watching the keys (AWS service events)",
            quantity: alerts.rules,
            unit: "rule",
            unitPrice: prices.ruleEventPerMillion,
            monthly: 0,
            steadyMonthly: 0,
        });
        if (alerts.emailSubscriptions > 0) {
            items.push({
                item: `SNS email alerts to ${alerts.emailSubscriptions} addresses (within the free ${prices.freeEmailsPerMonth} a month)`,
                quantity: alerts.emailSubscriptions,
                unit: "address",
                unitPrice: 0,
                monthly: 0,
                steadyMonthly: 0,
            });
        }
    }
    const assumptions = [
        `a key costs $${prices.keyPerMonth} a month, and each of its first ${prices.billedRotations} rotations adds ` +
            `$${prices.keyPerMonth} (later ones are free): "first year" averages the first 12 months, "steady" is after ` +
            `the second rotation`,
        listed === undefined
            ? `no endpoint price for ${region} in the table: priced at ${prices.defaultRegion}'s $${perAzHour} per AZ-hour`
            : `endpoint $${perAzHour} per AZ-hour in ${region}, ${prices.hoursPerMonth} hours a month`,
        ...(alerts === undefined
            ? []
            : [
                  `alerts are rare: EventBridge matches AWS service events at no charge, and SNS sends the first ` +
                      `${prices.freeEmailsPerMonth} emails a month free ($${prices.emailPer100k} per 100,000 after)`,
              ]),
    ];
    return {
        currency: prices.currency,
        region,
        monthly: cents(items.reduce((sum, i) => sum + i.monthly, 0)),
        steadyMonthly: cents(items.reduce((sum, i) => sum + i.steadyMonthly, 0)),
        items,
        assumptions,
        excludes: [
            "KMS API requests ($0.03 per 10,000 beyond the free tier)",
            "endpoint data processing ($0.01 per GB)",
        ],
    };
}
