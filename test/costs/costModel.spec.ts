import * as assert from "assert/strict";
import { estimateMonthlyCost, prices } from "../../costs/costModel";

describe("monthly cost estimate", () => {
    it("prices the parameter sheet's figures: $1 a key-month, $0.01 an AZ-hour, 730 hours a month", () => {
        assert.deepEqual(prices, { currency: "USD", keyPerMonth: 1, endpointPerAzHour: 0.01, hoursPerMonth: 730 });
    });

    it("estimates two keys and an endpoint in two zones at $16.60", () => {
        assert.deepEqual(estimateMonthlyCost(["alias/a", "alias/b"], 2), {
            currency: "USD",
            monthly: 16.6,
            items: [
                { item: "KMS key alias/a", quantity: 1, unit: "key-month", unitPrice: 1, monthly: 1 },
                { item: "KMS key alias/b", quantity: 1, unit: "key-month", unitPrice: 1, monthly: 1 },
                {
                    item: "KMS interface endpoint in 2 availability zones",
                    quantity: 1460,
                    unit: "AZ-hour",
                    unitPrice: 0.01,
                    monthly: 14.6,
                },
            ],
            excludes: [
                "KMS API requests ($0.03 per 10,000 beyond the free tier)",
                "endpoint data processing ($0.01 per GB)",
            ],
        });
    });

    it("has no endpoint line without an endpoint, and rounds to cents", () => {
        assert.deepEqual(
            estimateMonthlyCost(["alias/a", "alias/b"], 0).items.map((i) => i.item),
            ["KMS key alias/a", "KMS key alias/b"],
        );
        assert.equal(estimateMonthlyCost(["alias/a", "alias/b"], 0).monthly, 2);
        assert.equal(estimateMonthlyCost([], 3).monthly, 21.9);
    });
});
