/**
 * The pack's own request handlers, called in this process with no network in between: what the policies and
 * `@pulumi/policy`'s server cost without the gRPC transport and without a second process. The policies are served
 * with their validation functions timed (see packTiming.ts), so that the time of the pack's own code can be told
 * from the time of the SDK around it.
 *
 * `@pulumi/policy` builds its handlers inside `serve()`, which also opens a gRPC server. The handlers are taken as
 * `serve()` hands them to `grpc.Server#addService`, and the server is never bound to a port.
 */
import * as fs from "fs";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    AnalyzedResource,
    analyzeRequestFor,
    analyzeStackRequestFor,
    configureRequestFor,
    providerLookup,
} from "../tools/lib/policyHost";
import { PolicyPackConfig } from "../tools/lib/policyConfig";
import { AnyPolicy, PolicyClock, timedPolicies } from "./packTiming";

type Handler = (call: { request: unknown }, callback: (error: unknown, response?: unknown) => void) => unknown;

interface Handlers {
    analyze: Handler;
    analyzeStack: Handler;
    configure: Handler;
}

function call<T>(handler: Handler, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
        void handler({ request }, (error, response) => (error ? reject(error) : resolve(response as T)));
    });
}

/** The requests the engine sends for one stack, built once: building them is the CLI's work, not the pack's. */
export interface StackRequests {
    analyze: analyzerpb.AnalyzeRequest[];
    analyzeStack: analyzerpb.AnalyzeStackRequest;
}

/** The `Analyze` requests and the `AnalyzeStack` request for `resources`, built as `PolicyHost` builds them. */
export function stackRequests(resources: readonly AnalyzedResource[]): StackRequests {
    const providerFor = providerLookup(resources);
    return {
        analyze: resources.map((r) => analyzeRequestFor(r, providerFor)),
        analyzeStack: analyzeStackRequestFor(resources, providerFor),
    };
}

let loaded: InProcessPack | undefined;

/** Whether the pack in `packDir` can be served in this process: its `all.ts` lists the policies. */
export function canServeInProcess(packDir: string): boolean {
    return ["all.ts", "all.js"].some((f) => fs.existsSync(path.join(packDir, f)));
}

/** The pack in `packDir` (its `all.ts` exports `allPolicies` and `packName`), served in this process. */
export class InProcessPack {
    private constructor(
        readonly packDir: string,
        private readonly handlers: Handlers,
        /** The time the pack's policies spent in their own code; reset it before a measurement. */
        readonly clock: PolicyClock,
    ) {}

    /** Loads the pack once per process: `@pulumi/policy` serves one pack per process. */
    static load(packDir: string): InProcessPack {
        if (loaded) {
            if (loaded.packDir !== packDir) {
                throw new Error(`InProcessPack: ${loaded.packDir} is already served in this process, not ${packDir}`);
            }
            return loaded;
        }
        const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [packDir] }));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as typeof grpcTypes;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const server = require(path.join(policyDir, "server")) as {
            serve: (name: string, version: string, level: string, args: { policies: unknown[] }) => void;
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pack = require(path.join(packDir, "all")) as { allPolicies: AnyPolicy[]; packName: string };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const version = (require(path.join(packDir, "package.json")) as { version: string }).version;

        const prototype = grpc.Server.prototype as unknown as Record<string, unknown>;
        const saved = { addService: prototype.addService, bindAsync: prototype.bindAsync };
        let handlers: Handlers | undefined;
        const clock = new PolicyClock();
        prototype.addService = function (_service: unknown, implementation: Handlers) {
            handlers = implementation;
        };
        prototype.bindAsync = () => undefined;
        try {
            server.serve(pack.packName, version, "advisory", { policies: timedPolicies(pack.allPolicies, clock) });
        } finally {
            Object.assign(prototype, saved);
        }
        if (!handlers) {
            throw new Error("InProcessPack: @pulumi/policy's serve() registered no handlers");
        }
        loaded = new InProcessPack(packDir, handlers, clock);
        return loaded;
    }

    /** Sends `Configure` as the host does. */
    async configure(config: PolicyPackConfig): Promise<void> {
        await call(this.handlers.configure, configureRequestFor(config));
    }

    /** Runs `Analyze` for each request in turn; returns the number of diagnostics. */
    async analyzeAll(requests: analyzerpb.AnalyzeRequest[]): Promise<number> {
        let diagnostics = 0;
        for (const request of requests) {
            diagnostics += (await call<analyzerpb.AnalyzeResponse>(this.handlers.analyze, request)).getDiagnosticsList()
                .length;
        }
        return diagnostics;
    }

    /** Runs `AnalyzeStack`; returns the number of diagnostics. */
    async analyzeStack(request: analyzerpb.AnalyzeStackRequest): Promise<number> {
        return (await call<analyzerpb.AnalyzeResponse>(this.handlers.analyzeStack, request)).getDiagnosticsList()
            .length;
    }
}
