/** Social imports in the graph. */
export {};
