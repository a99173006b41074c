/**
 * Policies served in this process by `@pulumi/policy`'s own request handlers, with no gRPC port and no second
 * process: what a `PolicyHost` reaches over gRPC, called directly. The tests and the benchmark judge stacks this way.
 *
 * `serve()` builds the handlers and hands them to `grpc.Server#addService`; they are taken there and the server is
 * never bound. `serve()` runs once per process (a second call exits the process), and `Configure` sets the config of
 * every policy the process serves (a variable of server.js). So the first policy list of a process is served by
 * `serve()`, a further list gets its handlers from the factories `serve()` itself calls (`makeAnalyzeRpcFun`...),
 * and all of them share the one `Configure`. Runs with a config are serialised for the same reason.
 */
import * as fs from "fs";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";

import { PackInfo, PolicyPackConfig } from "./policyConfig";
import {
    AnalyzedResource,
    analyzeRequestFor,
    analyzeStackRequestFor,
    configureRequestFor,
    providerLookup,
    toPackInfo,
} from "./policyHost";

/** A policy of any kind, as a pack lists them. */
export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** What `new PolicyPack(name, { policies })` serves, with the version its package.json gives. */
export interface PolicyList {
    name: string;
    version: string;
    policies: readonly AnyPolicy[];
}

type Handler = (call: { request: unknown }, callback: (error: unknown, response?: unknown) => void) => unknown;

interface Handlers {
    analyze: Handler;
    analyzeStack: Handler;
    configure: Handler;
}

type Factory = (name: string, version: string, level: string, policies: AnyPolicy[]) => Handler;

interface Sdk {
    grpc: typeof grpcTypes;
    server: {
        serve(name: string, version: string, level: string, args: { policies: AnyPolicy[] }): void;
        makeAnalyzeRpcFun: Factory;
        makeAnalyzeStackRpcFun: Factory;
    };
    protoutil: {
        makeAnalyzerInfo(
            name: string,
            version: string,
            level: string,
            args: { policies: readonly AnyPolicy[] },
        ): analyzerpb.AnalyzerInfo;
    };
}

/** `new PolicyPack(...)`'s enforcement level when its args give none. */
const PACK_LEVEL = "advisory";

let sdk: Sdk | undefined;
/** The `Configure` handler of the one `serve()` this process makes. */
let sharedConfigure: Handler | undefined;
/** The config `Configure` last set, when it was sent by `ServedPolicies.run`. */
let configured: string | undefined;
/** Runs with a config, one after another: each one's `Configure` would change what the other's policies read. */
let queue: Promise<unknown> = Promise.resolve();

function loadSdk(): Sdk {
    if (!sdk) {
        // The grpc-js copy that server.js requires, whose prototype serve() reaches.
        const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json"));
        /* eslint-disable @typescript-eslint/no-require-imports */
        sdk = {
            grpc: require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as Sdk["grpc"],
            server: require(path.join(policyDir, "server")) as Sdk["server"],
            protoutil: require(path.join(policyDir, "protoutil")) as Sdk["protoutil"],
        };
        /* eslint-enable @typescript-eslint/no-require-imports */
    }
    return sdk;
}

/** Calls `serve()`, taking the handlers it registers instead of opening a port. */
function serveOnce(list: PolicyList): Handlers {
    const { grpc, server } = loadSdk();
    const prototype = grpc.Server.prototype as unknown as Record<string, unknown>;
    const saved = { addService: prototype.addService, bindAsync: prototype.bindAsync };
    let handlers: Handlers | undefined;
    prototype.addService = function (_service: unknown, implementation: Handlers) {
        handlers = implementation;
    };
    prototype.bindAsync = () => undefined;
    try {
        server.serve(list.name, list.version, PACK_LEVEL, { policies: [...list.policies] });
    } finally {
        Object.assign(prototype, saved);
    }
    if (!handlers) {
        throw new Error("@pulumi/policy's serve() registered no handlers");
    }
    return handlers;
}

/** The handlers `serve()` would register for `list`, once it has served another list in this process. */
function factoryHandlers(list: PolicyList, configure: Handler): Handlers {
    const { server } = loadSdk();
    const policies = [...list.policies];
    return {
        analyze: server.makeAnalyzeRpcFun(list.name, list.version, PACK_LEVEL, policies),
        analyzeStack: server.makeAnalyzeStackRpcFun(list.name, list.version, PACK_LEVEL, policies),
        configure,
    };
}

/** The pack as `GetAnalyzerInfo` describes `list` (built by the function that handler calls). */
export function packInfoOf(list: PolicyList): PackInfo {
    return toPackInfo(loadSdk().protoutil.makeAnalyzerInfo(list.name, list.version, PACK_LEVEL, list));
}

function call<T>(handler: Handler, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
        void handler({ request }, (error, response) => (error ? reject(error) : resolve(response as T)));
    });
}

/** A policy list served by `@pulumi/policy`'s handlers in this process. */
export class ServedPolicies {
    private packInfo?: PackInfo;

    private constructor(
        private readonly list: PolicyList,
        private readonly handlers: Handlers,
    ) {}

    /** The policies as served (after any transformation). */
    get policies(): readonly AnyPolicy[] {
        return this.list.policies;
    }

    /** Serves `list`; `transform` changes the policies first (the benchmark times them this way). */
    static serve(list: PolicyList, transform?: (policies: readonly AnyPolicy[]) => AnyPolicy[]): ServedPolicies {
        const served = { ...list, policies: transform ? transform(list.policies) : list.policies };
        let handlers: Handlers;
        if (sharedConfigure) {
            handlers = factoryHandlers(served, sharedConfigure);
        } else {
            handlers = serveOnce(served);
            sharedConfigure = handlers.configure;
        }
        return new ServedPolicies(served, handlers);
    }

    /** The pack's name, version, policies and initial config, as `GetAnalyzerInfo` gives them. */
    info(): PackInfo {
        this.packInfo ??= packInfoOf(this.list);
        return this.packInfo;
    }

    /** Sends `Configure` as the host does. */
    async configure(config: PolicyPackConfig): Promise<void> {
        configured = undefined;
        await call(this.handlers.configure, configureRequestFor(config));
    }

    /** Sends `Analyze`. */
    analyze(request: analyzerpb.AnalyzeRequest): Promise<analyzerpb.AnalyzeResponse> {
        return call(this.handlers.analyze, request);
    }

    /** Sends `AnalyzeStack`. */
    analyzeStack(request: analyzerpb.AnalyzeStackRequest): Promise<analyzerpb.AnalyzeResponse> {
        return call(this.handlers.analyzeStack, request);
    }

    /**
     * Runs `work` with `config` in force and no other run in between. `key`, when given, names the config:
     * `Configure` is not sent again while the process's config is already that one.
     */
    run<T>(config: PolicyPackConfig, key: string | undefined, work: () => Promise<T>): Promise<T> {
        const run = queue.then(async () => {
            if (key === undefined || configured !== key) {
                await this.configure(config);
                configured = key;
            }
            return work();
        });
        queue = run.catch(() => undefined);
        return run;
    }
}

const loaded = new Map<string, ServedPolicies>();

/** Whether the pack in `packDir` can be served in this process: its `all.ts` lists the policies. */
export function canServeInProcess(packDir: string): boolean {
    return ["all.ts", "all.js"].some((f) => fs.existsSync(path.join(packDir, f)));
}

/**
 * The pack in `packDir` (its `all.ts` exports `allPolicies` and `packName`; its package.json gives the version),
 * served once per folder and `label`; a `transform` is applied to the policies under that label.
 */
export function loadPack(
    packDir: string,
    options: { label?: string; transform?: (policies: readonly AnyPolicy[]) => AnyPolicy[] } = {},
): ServedPolicies {
    const dir = path.resolve(packDir);
    const key = `${dir}\0${options.label ?? ""}`;
    let served = loaded.get(key);
    if (!served) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pack = require(path.join(dir, "all")) as { allPolicies: AnyPolicy[]; packName: string };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { version } = require(path.join(dir, "package.json")) as { version: string };
        served = ServedPolicies.serve({ name: pack.packName, version, policies: pack.allPolicies }, options.transform);
        loaded.set(key, served);
    }
    return served;
}

/** The requests the engine sends for one stack. */
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
