/**
 * Monthly cost estimate of a stack, from the one price table below. Prices are those of the parameter sheet
 * (AWS KMS and AWS PrivateLink list prices): API requests and endpoint data processing depend on traffic and are
 * left out of the estimate, which says so.
 */
export const prices = {
    currency: "USD",
    /** A customer managed key, per month (each rotation's retained material is billed too after the first two). */
    keyPerMonth: 1,
    /** An interface endpoint, per availability zone and hour. */
    endpointPerAzHour: 0.01,
    /** Hours in a month as AWS bills them (730 = 8760 / 12). */
    hoursPerMonth: 730,
} as const;

/** One line of an estimate. */
export interface CostItem {
    item: string;
    quantity: number;
    unit: string;
    unitPrice: number;
    monthly: number;
}

/** A monthly estimate. */
export interface CostEstimate {
    currency: string;
    monthly: number;
    items: CostItem[];
    excludes: string[];
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** Estimates a stack from its key aliases and the number of zones its endpoint spans (0 when it has none). */
export function estimateMonthlyCost(keyAliases: string[], endpointZones: number): CostEstimate {
    const items: CostItem[] = keyAliases.map((alias) => ({
        item: `KMS key ${alias}`,
        quantity: 1,
        unit: "key-month",
        unitPrice: prices.keyPerMonth,
        monthly: prices.keyPerMonth,
    }));
    if (endpointZones > 0) {
        const hours = endpointZones * prices.hoursPerMonth;
        items.push({
            item: `KMS interface endpoint in ${endpointZones} availability zones`,
            quantity: hours,
            unit: "AZ-hour",
            unitPrice: prices.endpointPerAzHour,
            monthly: cents(hours * prices.endpointPerAzHour),
        });
    }
    return {
        currency: prices.currency,
        monthly: cents(items.reduce((sum, i) => sum + i.monthly, 0)),
        items,
        excludes: [
            "KMS API requests ($0.03 per 10,000 beyond the free tier)",
            "endpoint data processing ($0.01 per GB)",
        ],
    };
}
