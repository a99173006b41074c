// The program: validate the stack configuration, create the keys and the KMS endpoint, export their ids.
// Everything is in components/; this file only hands the program to Pulumi.
import { main } from "./components/program";

export = () => main();
