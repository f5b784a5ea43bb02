/** The influencers module in the graph. */
export {};
