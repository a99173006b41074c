// The program's components and the pure policy builders they use. The stack configuration lives in config/, the
// program that wires config to components in program/, the cost model in costs/.
export * from "./accessPolicies";
export * from "./account";
export * from "./kmsKey";
export * from "./kmsVpcEndpoint";
