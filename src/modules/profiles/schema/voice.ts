/**
 * The voice corpus in the graph: ProfileVoiceSample, VoiceStats with the
 * style read from the corpus, and the `addVoiceSamples` mutation.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import type { VoiceStyle as VoiceStyleShape } from '../voice.js';
import * as profiles from '../service.js';

const VoiceStyle = builder.objectRef<VoiceStyleShape>('VoiceStyle').implement({
  authScopes: readableWith.voiceCorpus,
  description: 'The habits of a voice, read from its corpus (src/modules/profiles/voice.ts).',
  fields: (t) => ({
    samples: t.exposeInt('samples', { description: 'Samples the style was read from (the newest 200 at most).' }),
    hashtags: t.exposeStringList('hashtags', { description: 'Most used first.' }),
    emoji: t.exposeStringList('emoji'),
    phrases: t.exposeStringList('phrases', { description: 'Recurring two-word phrases.' }),
    averageWords: t.exposeInt('averageWords'),
    lowercaseShare: t.exposeFloat('lowercaseShare'),
    exclamationShare: t.exposeFloat('exclamationShare'),
    questionShare: t.exposeFloat('questionShare'),
  }),
});

const VoiceCorpusBySource = builder.objectRef<profiles.VoiceStats['bySource']>('VoiceCorpusBySource').implement({
  authScopes: readableWith.voiceCorpus,
  fields: (t) => ({
    manual: t.exposeInt('manual'),
    import: t.exposeInt('import'),
    approved: t.exposeInt('approved', { description: 'Captions of approved content items.' }),
  }),
});

export const ProfileVoiceSample = builder.prismaObject('ProfileVoiceSample', {
  authScopes: readableWith.voiceCorpus,
  description: 'One text of a profile’s voice corpus.',
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    source: t.exposeString('source', { description: 'manual, import or approved.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const VoiceStats = builder.objectRef<profiles.VoiceStats>('VoiceStats').implement({
  authScopes: readableWith.voiceCorpus,
  fields: (t) => ({
    profileId: t.exposeID('profileId'),
    corpusSize: t.exposeInt('corpusSize'),
    bySource: t.field({ type: VoiceCorpusBySource, resolve: (s) => s.bySource }),
    style: t.field({ type: VoiceStyle, resolve: (s) => s.style }),
    recentSamples: t.field({ type: [ProfileVoiceSample], resolve: (s) => s.recentSamples }),
  }),
});

const AddVoiceSamplesPayload = builder.objectRef<{ added: number; stats: profiles.VoiceStats }>('AddVoiceSamplesPayload').implement({
  authScopes: readableWith.profiles,
  fields: (t) => ({
    added: t.exposeInt('added', { description: 'New texts (empty and already present ones are skipped).' }),
    stats: t.field({ type: VoiceStats, resolve: (r) => r.stats }),
  }),
});

builder.mutationFields((t) => ({
  addVoiceSamples: t.field({
    type: AddVoiceSamplesPayload,
    errors: mutationErrors,
    description: 'Adds texts to the profile’s voice corpus.',
    args: { profileId: t.arg.id({ required: true }), samples: t.arg.stringList({ required: true }) },
    resolve: (_root, { profileId, samples }, ctx) => profiles.addProfileVoiceSamples(ctx, String(profileId), { samples }),
  }),
}));
