// ESLint 9 flat config. The base is typescript-eslint's `recommended` (syntax only, so `npm run lint` stays fast);
// type information is switched on only for the Pulumi rules, and only where the program builds Outputs.
import pulumi from "@pulumi/eslint-plugin";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
    globalIgnores(["**/node_modules/", "bin/", "out/", "reports/", ".stryker-tmp/", "bench/.generated/"]),
    tseslint.configs.recommended,
    {
        rules: {
            // A leading underscore marks a binding that is deliberately unused (mock signatures, rest omits).
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
            ],
        },
    },
    {
        // `${output}` in a plain template literal yields "Calling [toString] on an [Output<T>] is not supported" text
        // instead of the value, silently, for example inside a key policy or an ARN. pulumi.interpolate is the fix.
        // These rules need the type checker, so they run only over the program and its components.
        files: ["index.ts", "components/**/*.ts", "program/**/*.ts"],
        languageOptions: {
            parserOptions: {
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // An apply callback does not run while a value is unknown, so a resource created inside one is missing
            // from `pulumi preview`, and the policy pack never judges it before `pulumi up` creates it. Resources
            // are written `new aws.kms.Key(...)`, so a member-expression `new` inside `.apply(...)` is the signal;
            // `new Error(...)`, `new Set(...)` and the like stay allowed.
            "no-restricted-syntax": [
                "error",
                {
                    selector:
                        "CallExpression[callee.property.name='apply'] NewExpression[callee.type='MemberExpression']",
                    message:
                        "Do not create resources inside apply(): preview and the policy pack cannot see them. " +
                        "Pass the Output as an input instead.",
                },
            ],
        },
    },
);
