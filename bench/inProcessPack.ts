/**
 * The pack's own request handlers, called in this process with no network in between: what the policies and
 * `@pulumi/policy`'s server cost without the gRPC transport and without a second process. The pack is served as
 * tools/lib/inProcessPack.ts serves it for the tests, with its validation functions timed (see packTiming.ts), so
 * that the time of the pack's own code can be told from the time of the SDK around it.
 */
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { ServedPolicies, loadPack } from "../tools/lib/inProcessPack";
import { PolicyPackConfig } from "../tools/lib/policyConfig";
import { PolicyClock, timedPolicies } from "./packTiming";

export { canServeInProcess, stackRequests } from "../tools/lib/inProcessPack";
export type { StackRequests } from "../tools/lib/inProcessPack";

const packs = new Map<string, InProcessPack>();

/** The pack in `packDir` (its `all.ts` exports `allPolicies` and `packName`), served in this process, timed. */
export class InProcessPack {
    private constructor(
        private readonly served: ServedPolicies,
        /** The time the pack's policies spent in their own code; reset it before a measurement. */
        readonly clock: PolicyClock,
    ) {}

    /** Serves the pack once per process and folder. */
    static load(packDir: string): InProcessPack {
        let pack = packs.get(packDir);
        if (!pack) {
            const clock = new PolicyClock();
            const served = loadPack(packDir, { label: "timed", transform: (p) => timedPolicies(p, clock) });
            pack = new InProcessPack(served, clock);
            packs.set(packDir, pack);
        }
        return pack;
    }

    /** Sends `Configure` as the host does. */
    configure(config: PolicyPackConfig): Promise<void> {
        return this.served.configure(config);
    }

    /** Runs `Analyze` for each request in turn; returns the number of diagnostics. */
    async analyzeAll(requests: analyzerpb.AnalyzeRequest[]): Promise<number> {
        let diagnostics = 0;
        for (const request of requests) {
            diagnostics += (await this.served.analyze(request)).getDiagnosticsList().length;
        }
        return diagnostics;
    }

    /** Runs `AnalyzeStack`; returns the number of diagnostics. */
    async analyzeStack(request: analyzerpb.AnalyzeStackRequest): Promise<number> {
        return (await this.served.analyzeStack(request)).getDiagnosticsList().length;
    }
}
