// The program: validate the stack configuration, create the keys and the KMS endpoint, export their ids.
// The program is in program/program.ts; this file only hands it to Pulumi.
import { main } from "./program/program";

export = () => main();
