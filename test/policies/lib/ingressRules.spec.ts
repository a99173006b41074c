import * as assert from "assert";

import {
    IngressRule,
    RFC1918_RANGES,
    ingressRuleProblems,
    parseAllowedRanges,
} from "../../../policies/lib/ingressRules";

/** A rule admitting TCP 443 from nothing, with the fields a test sets. */
function rule(fields: Partial<IngressRule>): IngressRule {
    return { protocol: "tcp", fromPort: 443, toPort: 443, ipv4Cidrs: [], ipv6Cidrs: [], prefixListIds: [], ...fields };
}

function problems(fields: Partial<IngressRule>, allowed: readonly string[] = RFC1918_RANGES): string[] {
    return ingressRuleProblems(rule(fields), parseAllowedRanges(allowed));
}

describe("ingress rules in front of a KMS endpoint", () => {
    it("accepts TCP 443, by name or number, from allowed ranges", () => {
        assert.deepStrictEqual(problems({ ipv4Cidrs: ["10.1.0.0/16"] }), []);
        assert.deepStrictEqual(problems({ protocol: "6", ipv6Cidrs: ["fd00:10::/64"] }, ["fd00::/8"]), []);
    });

    it("names a missing protocol and every spelling of all protocols", () => {
        assert.deepStrictEqual(problems({ protocol: undefined }), ["has no protocol"]);
        assert.deepStrictEqual(problems({ protocol: "-1" }), ['allows all protocols ("-1")']);
        assert.deepStrictEqual(problems({ protocol: "ALL" }), ['allows all protocols ("ALL")']);
        assert.deepStrictEqual(problems({ protocol: "17" }), ['allows protocol "17"']);
    });

    it("names the ports a TCP rule opens besides 443", () => {
        const opens = (fromPort: number | undefined, toPort: number | undefined) => problems({ fromPort, toPort });
        assert.deepStrictEqual(opens(undefined, undefined), ["opens every port"]);
        assert.deepStrictEqual(opens(22, 22), ["opens port 22"]);
        assert.deepStrictEqual(opens(80, 443), ["opens ports 80-443"]);
        assert.deepStrictEqual(opens(443, 444), ["opens ports 443-444"]);
        assert.deepStrictEqual(opens(80, undefined), ["opens ports 80-?"]);
        assert.deepStrictEqual(opens(undefined, 443), ["opens ports ?-443"]);
    });

    it("lists malformed CIDRs of both families, then the ones outside the allowed ranges", () => {
        assert.deepStrictEqual(
            problems({ ipv4Cidrs: ["10.0.0.0/33", "8.8.8.8/32"], ipv6Cidrs: ["fd00::/129", "::/0"] }, [
                "10.0.0.0/8",
                "fd00::/8",
            ]),
            [
                'has invalid CIDR "10.0.0.0/33", "fd00::/129"',
                "admits 8.8.8.8/32, ::/0, outside the allowed ranges (10.0.0.0/8, fd00::/8)",
            ],
        );
    });

    it("says so when no range is allowed", () => {
        assert.deepStrictEqual(problems({ ipv4Cidrs: ["10.0.0.0/16"] }, []), [
            "admits 10.0.0.0/16, outside the allowed ranges (none)",
        ]);
    });

    it("lists prefix lists, whose addresses it cannot see", () => {
        assert.deepStrictEqual(problems({ prefixListIds: ["pl-1111", "pl-2222"] }), [
            "admits prefix list pl-1111, pl-2222, whose addresses cannot be checked here",
        ]);
    });

    it("parses allowed ranges of both families and keeps the entries that are not CIDR blocks", () => {
        const allowed = parseAllowedRanges(["10.0.0.0/8", "fd00::/8", "private", "10.0.0.0/40"]);
        assert.deepStrictEqual(
            [allowed.ipv4.map((r) => r.toCidrString()), allowed.ipv6.map((r) => r.toCidrString()), allowed.invalid],
            [["10.0.0.0/8"], ["fd00:0:0:0:0:0:0:0/8"], ["private", "10.0.0.0/40"]],
        );
    });
});
