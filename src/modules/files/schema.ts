/** Agent workspace files in the graph: metadata only (bytes are served over REST). */
import { builder, readableWith } from '../../graphql/builder.js';
import * as files from './service.js';

const AgentFile = builder.objectRef<files.FileInfo>('AgentFile').implement({
  authScopes: readableWith.agents,
  description: 'A file in an agent’s workspace. GET /api/v1/users/{user}/agents/{agent}/files/{path} serves its bytes.',
  fields: (t) => ({
    path: t.exposeString('path'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    contentType: t.exposeString('contentType'),
    sha256: t.exposeString('sha256'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Agent', 'files', (t) =>
  t.field({
    type: [AgentFile],
    args: { prefix: t.arg.string({ required: false, description: 'Only paths starting with this.' }) },
    resolve: (agent, { prefix }, ctx) => files.listFiles(ctx, agent.id, prefix ?? undefined),
  }),
);
