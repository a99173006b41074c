// Mutation testing of the program (components, config, program, costs) and the policy pack (`npm run mutation`).
//
// The property specs draw random cases. Under mutation testing every mutant must meet the same cases, or one
// mutant would be killed and the next one would survive by luck, so the run fixes the seed and draws fewer cases per
// property (the test runner processes inherit this environment). Set either variable to override.
process.env.PROPERTY_SEED ??= "20250101";
process.env.PROPERTY_RUNS_FACTOR ??= "0.25";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
const config = {
    packageManager: "npm",
    testRunner: "mocha",
    mochaOptions: {
        // The specs that exercise components/ and policies/ in this process. The command and workflow specs run the
        // code in child processes, where per-test coverage cannot follow it, so they would only slow the run down.
        // The pack-versus-engine properties need their full number of runs to exercise both sides, so they stay out.
        spec: [
            "test/*.spec.ts",
            "test/{config,components,program,costs,golden}/**/*.spec.ts",
            "test/policies/**/*.spec.ts",
            "test/iam/**/*.spec.ts",
            "test/property/packInvariance.spec.ts",
            "test/property/stackConfig.spec.ts",
            "test/property/validStacks.spec.ts",
            // Match the rules of components/keyEvents.ts and the pack's own matcher with event-ruler, in a JVM of its
            // own per run.
            "test/ci/keyEvents.spec.ts",
            "test/ci/eventPatterns.spec.ts",
        ],
        // The root hook empties the pack's caches before each test: mutants share one process, and a result cached
        // under one mutant must not decide the next one.
        require: ["ts-node/register/transpile-only", "test/helpers/freshCaches.ts"],
        extension: ["ts"],
    },
    // policies/index.ts only constructs the pack (and starts its server); no test imports it.
    mutate: [
        "components/**/*.ts",
        "config/**/*.ts",
        "program/**/*.ts",
        "costs/**/*.ts",
        "policies/**/*.ts",
        "!policies/index.ts",
    ],
    ignorePatterns: ["reports", "bin", "out", "bench/.generated"],
    coverageAnalysis: "perTest",
    concurrency: 2,
    // Mutants in module-level constants (action tables, the config schema, policy descriptions) are "static": each
    // needs the whole suite re-run in a fresh process. There are about 580 of them (16% of the mutants) and the suite
    // takes minutes, which would make one run last about a day. They are reported as Ignored; check one file's static
    // mutants with `npx stryker run --mutate <file>` and "ignoreStatic" set to false.
    ignoreStatic: true,
    // The instrumented suite runs program and policy-host specs; allow for a busy machine before calling a timeout.
    timeoutMS: 30000,
    dryRunTimeoutMinutes: 15,
    // Mutated sources are loaded by ts-node in transpile-only mode; type errors a mutant introduces do not matter.
    disableTypeChecks: true,
    reporters: ["clear-text", "progress", "json"],
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
};

export default config;
