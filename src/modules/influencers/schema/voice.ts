/** The influencer's voice in the graph: the embedded clone's state (InfluencerVoice) and its uploaded samples (VoiceSample). */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mediaUrl } from '../../../infra/blobs.js';
import type { VoiceState } from '../service.js';

const CloneStatus = builder.enumType('VoiceCloneStatus', { values: ['none', 'pending', 'ready'] as const });

export const InfluencerVoice = builder.objectRef<VoiceState>('InfluencerVoice').implement({
  authScopes: readableWith.characters,
  description: `The embedded voice clone: ready once the samples add up to at least 30 s of audio; the voiceId derives from the samples.`,
  fields: (t) => ({
    cloneStatus: t.field({ type: CloneStatus, resolve: (v) => v.cloneStatus }),
    voiceId: t.exposeString('voiceId', { nullable: true }),
    sampleCount: t.exposeInt('sampleCount'),
    totalDuration: t.float({ description: 'Seconds.', resolve: (v) => v.totalDurationMs / 1000 }),
    provider: t.exposeString('provider'),
  }),
});

export const VoiceSample = builder.prismaObject('VoiceSample', {
  authScopes: readableWith.characters,
  description: 'An uploaded voice sample of an influencer.',
  fields: (t) => ({
    id: t.exposeID('id'),
    audioUrl: t.string({ description: 'GET it with the API key; DELETE /api/v1/characters/:id/voice-samples/{this URL, encoded} removes it.', resolve: (s) => mediaUrl(s.blobId) }),
    duration: t.float({ nullable: true, description: 'Seconds, read from the audio (WAV); null when unknown.', resolve: (s) => (s.durationMs === null ? null : s.durationMs / 1000) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
