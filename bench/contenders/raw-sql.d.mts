/** See raw-sql.mjs. */
export declare const W2_SQL: string;
