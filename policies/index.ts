// The kms-guardrails policy pack. This file only constructs the pack, which starts the policy server the Pulumi CLI
// talks to; the policies live in side-effect-free modules (see all.ts) that tests import directly.
import { PolicyPack } from "@pulumi/policy";

import { allPolicies, packName } from "./all";

new PolicyPack(packName, { policies: allPolicies });
