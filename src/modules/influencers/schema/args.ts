/** Argument and ordering helpers shared by the influencers module's schema files. */

export const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

export const idArg = (t: any) => ({ id: t.arg.id({ required: true }) });

/** GraphQL null and absent differ: keep keys the client sent (including nulls), drop the rest. */
export const given = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
