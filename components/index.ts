export * from "./config";
export * from "./configSchema";
export * from "./costs";
export * from "./keyPolicy";
export * from "./kmsKey";
export * from "./kmsVpcEndpoint";
export * from "./network";

export * from "./program";
