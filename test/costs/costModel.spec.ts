import * as assert from "assert/strict";
import { estimateMonthlyCost, keyMonthly } from "../../costs/costModel";

describe("monthly cost estimate", () => {
    describe("a key and its rotations", () => {
        it("costs $1 a month without rotation, in the first year and later", () => {
            assert.deepEqual(keyMonthly(undefined), { firstYear: 1, steady: 1 });
        });

        it("rotated yearly, costs $1 a month in its first year and $3 once rotated twice", () => {
            assert.deepEqual(keyMonthly(365), { firstYear: 1, steady: 3 });
            assert.deepEqual(keyMonthly(2560), { firstYear: 1, steady: 3 });
        });

        it("rotated every 90 days, adds $1 from day 90 and $1 more from day 180, and nothing for later rotations", () => {
            // 12 months at $1, plus $1 for 275 of 365 days, plus $1 for 185 of 365 days.
            assert.equal(keyMonthly(90).firstYear.toFixed(4), (1 + (275 + 185) / 365).toFixed(4));
            assert.equal(keyMonthly(90).steady, 3);
        });
    });

    it("prices two yearly-rotated keys and an endpoint in two zones of ap-northeast-1 at its own rate", () => {
        const keys = [
            { alias: "alias/a", rotationPeriodInDays: 365 },
            { alias: "alias/b", rotationPeriodInDays: 365 },
        ];
        assert.deepEqual(estimateMonthlyCost(keys, 2, "ap-northeast-1"), {
            currency: "USD",
            region: "ap-northeast-1",
            monthly: 22.44,
            steadyMonthly: 26.44,
            items: [
                {
                    item: "KMS key alias/a (rotated every 365 days)",
                    quantity: 1,
                    unit: "key-month",
                    unitPrice: 1,
                    monthly: 1,
                    steadyMonthly: 3,
                },
                {
                    item: "KMS key alias/b (rotated every 365 days)",
                    quantity: 1,
                    unit: "key-month",
                    unitPrice: 1,
                    monthly: 1,
                    steadyMonthly: 3,
                },
                {
                    item: "KMS interface endpoint in 2 availability zones",
                    quantity: 1460,
                    unit: "AZ-hour",
                    unitPrice: 0.014,
                    monthly: 20.44,
                    steadyMonthly: 20.44,
                },
            ],
            assumptions: [
                'a key costs $1 a month, and each of its first 2 rotations adds $1 (later ones are free): "first year" ' +
                    'averages the first 12 months, "steady" is after the second rotation',
                "endpoint $0.014 per AZ-hour in ap-northeast-1, 730 hours a month",
            ],
            excludes: [
                "KMS API requests ($0.03 per 10,000 beyond the free tier)",
                "endpoint data processing ($0.01 per GB)",
            ],
        });
    });

    it("prices an endpoint in a region the table lacks at us-east-1's rate, and says so", () => {
        const estimate = estimateMonthlyCost([], 3, "eu-west-3");
        assert.deepEqual(
            estimate.items.map((i) => [i.unitPrice, i.monthly]),
            [[0.01, 21.9]],
        );
        assert.equal(
            estimate.assumptions[1],
            "no endpoint price for eu-west-3 in the table: priced at us-east-1's $0.01 per AZ-hour",
        );
    });

    it("has no endpoint line without an endpoint, and a key without rotation stays at $1", () => {
        const estimate = estimateMonthlyCost([{ alias: "alias/a" }], 0, "ap-northeast-1");
        assert.deepEqual(
            estimate.items.map((i) => [i.item, i.monthly, i.steadyMonthly]),
            [["KMS key alias/a (no rotation)", 1, 1]],
        );
        assert.deepEqual([estimate.monthly, estimate.steadyMonthly], [1, 1]);
    });
});
