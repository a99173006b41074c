/**
 * Judging security group ingress rules for a KMS endpoint: TCP 443 only, from private CIDRs or security groups.
 * CIDR containment is done by ip-num. Side-effect free.
 */
import { IPv4CidrRange, IPv6CidrRange, Validator } from "ip-num";

/** The RFC 1918 private IPv4 ranges: the default sources a KMS endpoint may admit. */
export const RFC1918_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * An ingress rule, whatever resource or inline block it came from. Sources that are security groups (another group,
 * or the group itself) are always admitted, so they are not recorded.
 */
export interface IngressRule {
    /** `"tcp"`, `"6"`, `"-1"`, `"all"`, `"udp"`...; undefined when missing. */
    readonly protocol?: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    readonly ipv4Cidrs: readonly string[];
    readonly ipv6Cidrs: readonly string[];
    readonly prefixListIds: readonly string[];
}

/** The CIDR ranges sources must fall within, parsed once per validation. */
export interface AllowedRanges {
    readonly text: readonly string[];
    readonly ipv4: readonly IPv4CidrRange[];
    readonly ipv6: readonly IPv6CidrRange[];
    /** Config entries that are not CIDR blocks. */
    readonly invalid: readonly string[];
}

function isIPv4Cidr(cidr: string): boolean {
    return Validator.isValidIPv4CidrNotation(cidr)[0];
}

function isIPv6Cidr(cidr: string): boolean {
    return Validator.isValidIPv6CidrNotation(cidr)[0];
}

/** Parses the allowed source ranges (IPv4 and IPv6 CIDR blocks). */
export function parseAllowedRanges(cidrs: readonly string[]): AllowedRanges {
    const ipv4: IPv4CidrRange[] = [];
    const ipv6: IPv6CidrRange[] = [];
    const invalid: string[] = [];
    for (const cidr of cidrs) {
        if (isIPv4Cidr(cidr)) {
            ipv4.push(IPv4CidrRange.fromCidr(cidr));
        } else if (isIPv6Cidr(cidr)) {
            ipv6.push(IPv6CidrRange.fromCidr(cidr));
        } else {
            invalid.push(cidr);
        }
    }
    return { text: cidrs, ipv4, ipv6, invalid };
}

/** The CIDRs of `rule` that are malformed or not inside one of the allowed ranges. */
function outsideCidrs(rule: IngressRule, allowed: AllowedRanges): { outside: string[]; invalid: string[] } {
    const outside: string[] = [];
    const invalid: string[] = [];
    for (const cidr of rule.ipv4Cidrs) {
        if (!isIPv4Cidr(cidr)) {
            invalid.push(cidr);
        } else {
            const range = IPv4CidrRange.fromCidr(cidr);
            if (!allowed.ipv4.some((a) => range.inside(a))) {
                outside.push(cidr);
            }
        }
    }
    for (const cidr of rule.ipv6Cidrs) {
        if (!isIPv6Cidr(cidr)) {
            invalid.push(cidr);
        } else {
            const range = IPv6CidrRange.fromCidr(cidr);
            if (!allowed.ipv6.some((a) => range.inside(a))) {
                outside.push(cidr);
            }
        }
    }
    return { outside, invalid };
}

function describePorts(from: number | undefined, to: number | undefined): string {
    if (from === undefined && to === undefined) {
        return "every port";
    }
    if (from === to) {
        return `port ${from}`;
    }
    return `ports ${from ?? "?"}-${to ?? "?"}`;
}

/**
 * What is wrong with an ingress rule in front of a KMS endpoint, as phrases (`allows all protocols ("-1")`,
 * `admits 0.0.0.0/0 from outside ...`); empty when the rule admits only TCP 443 from allowed sources.
 */
export function ingressRuleProblems(rule: IngressRule, allowed: AllowedRanges): string[] {
    const problems: string[] = [];
    const protocol = rule.protocol?.toLowerCase();
    if (protocol === undefined) {
        problems.push("has no protocol");
    } else if (protocol === "-1" || protocol === "all") {
        problems.push(`allows all protocols (${JSON.stringify(rule.protocol)})`);
    } else if (protocol !== "tcp" && protocol !== "6") {
        problems.push(`allows protocol ${JSON.stringify(rule.protocol)}`);
    } else if (rule.fromPort !== 443 || rule.toPort !== 443) {
        problems.push(`opens ${describePorts(rule.fromPort, rule.toPort)}`);
    }
    const { outside, invalid } = outsideCidrs(rule, allowed);
    if (invalid.length > 0) {
        problems.push(`has invalid CIDR ${invalid.map((c) => JSON.stringify(c)).join(", ")}`);
    }
    if (outside.length > 0) {
        problems.push(
            `admits ${outside.join(", ")}, outside the allowed ranges (${allowed.text.join(", ") || "none"})`,
        );
    }
    if (rule.prefixListIds.length > 0) {
        problems.push(`admits prefix list ${rule.prefixListIds.join(", ")}, whose addresses cannot be checked here`);
    }
    return problems;
}
