/** The profiles module in the graph. */
export {};
