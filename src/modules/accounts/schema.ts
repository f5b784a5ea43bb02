/** Social accounts in the graph. */
export {};
