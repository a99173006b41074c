import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { listStacks } from "../tools/lib/programRunner";
import { fixtureProjectDir, projectDir } from "./helpers/stackConfig";

describe("the Pulumi project", () => {
    const schema = JSON.parse(
        fs.readFileSync(path.join(__dirname, "fixtures", "schemas", "pulumi-project.schema.json"), "utf8"),
    );
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

    it("Pulumi.yaml validates against Pulumi's own project schema", () => {
        const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
        assert.equal(validate(project), true, JSON.stringify(validate.errors));
        assert.equal(project.name, "kms-keys");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    });

    it("the schema check fails a project file that breaks it", () => {
        assert.equal(validate({ name: "kms-keys", runtime: { name: 42 } }), false);
        assert.equal(validate({ runtime: "nodejs" }), false);
    });

    it("has exactly the production, staging and development stacks", () => {
        assert.deepEqual(listStacks(projectDir), ["development", "production", "staging"]);
    });

    it("tests the parameter sheet's three stacks, all in ap-northeast-1, on fixture stacks of its own", () => {
        assert.deepEqual(listStacks(fixtureProjectDir), ["development", "production", "staging"]);
        for (const stack of listStacks(fixtureProjectDir)) {
            const doc = YAML.parse(fs.readFileSync(path.join(fixtureProjectDir, `Pulumi.${stack}.yaml`), "utf8"));
            assert.equal(doc.config["aws:region"], "ap-northeast-1");
        }
        assert.equal(
            fs.readFileSync(path.join(fixtureProjectDir, "Pulumi.yaml"), "utf8"),
            fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
        );
    });
});
