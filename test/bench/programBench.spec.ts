import * as assert from "assert/strict";
import * as aws from "@pulumi/aws";
import { awsClassOf, flatProgram } from "../../bench/programBench";
import { ProgramRun, runProgram } from "../../tools/lib/programRunner";
import { fixtureProjectDir } from "../helpers/stackConfig";

/** What a registration is, for comparing two runs: everything the engine is sent. */
const registered = (run: ProgramRun) =>
    run.resources.map((r) => ({
        urn: r.urn,
        custom: r.custom,
        parent: r.parent,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        inputs: r.inputs,
        propertyDependencies: r.propertyDependencies,
    }));

describe("bench: the flat program", () => {
    for (const stack of ["production", "development"]) {
        it(`makes the same look-ups and registers the same resources as index.ts (${stack})`, async () => {
            const real = await runProgram(stack, { projectDir: fixtureProjectDir });
            assert.equal(real.error, undefined);
            const flat = await runProgram(stack, { projectDir: fixtureProjectDir, program: flatProgram(real) });
            assert.equal(flat.error, undefined);
            // The same look-ups with the same arguments; their order depends on when the runtime answers each.
            const lookUps = (run: ProgramRun) => run.invokes.map((i) => JSON.stringify(i)).sort();
            assert.deepEqual(lookUps(flat), lookUps(real));
            // The root stack resource is the runtime's own; the flat program's has no outputs of index.ts.
            // In URN order: a registration that waits for another's outputs completes later, in either program.
            const withoutStack = (run: ProgramRun) =>
                registered(run)
                    .filter((r) => !r.urn.includes("::pulumi:pulumi:Stack::"))
                    .sort((a, b) => (a.urn < b.urn ? -1 : 1));
            assert.deepEqual(withoutStack(flat), withoutStack(real));
        });
    }
});

describe("bench: the flat program's resource classes", () => {
    it("finds the @pulumi/aws class of each type token index.ts registers, and names a token it cannot", () => {
        assert.equal(awsClassOf("aws:kms/key:Key"), aws.kms.Key);
        assert.equal(awsClassOf("aws:kms/alias:Alias"), aws.kms.Alias);
        assert.equal(awsClassOf("aws:ec2/vpcEndpoint:VpcEndpoint"), aws.ec2.VpcEndpoint);
        assert.equal(
            awsClassOf("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            aws.vpc.SecurityGroupIngressRule,
        );
        assert.throws(() => awsClassOf("aws:kms/nothing:Nothing"), {
            message: "flatProgram: no @pulumi/aws class for aws:kms/nothing:Nothing",
        });
        assert.throws(() => awsClassOf("gcp:kms/cryptoKey:CryptoKey"), {
            message: "flatProgram: no @pulumi/aws class for gcp:kms/cryptoKey:CryptoKey",
        });
    });
});
