/** The content module in the graph. */
export {};
