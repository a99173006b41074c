// The spec reporter, closed by one line the CI log can be searched for: `N passed, M failed`.
import * as Mocha from "mocha";

class ClosingLineReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes = 0, failures = 0 } = runner.stats ?? {};
            process.stdout.write(`${passes} passed, ${failures} failed\n`);
        });
    }
}

export = ClosingLineReporter;
