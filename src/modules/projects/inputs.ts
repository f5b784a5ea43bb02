import { z } from 'zod';

export const ProjectName = z
  .string({ message: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(200, 'Name must be at most 200 characters');

export const CreateProjectInput = z.object({ name: ProjectName });

const LlmSettingsInput = z
  .object(
    {
      provider: z.string({ message: 'llmSettings.provider is required' }).trim().min(1, 'llmSettings.provider is required').max(50, 'llmSettings.provider must be at most 50 characters'),
      /** Omitted: keep the stored key. null: clear it. */
      apiKey: z.string({ message: 'llmSettings.apiKey must be a string' }).min(1, 'llmSettings.apiKey must not be empty').max(500, 'llmSettings.apiKey must be at most 500 characters').nullish(),
      baseUrl: z.string().url('llmSettings.baseUrl must be a URL').max(500).nullish(),
      models: z.record(z.string().max(50), z.string({ message: 'llmSettings.models values must be strings' }).max(200), { message: 'llmSettings.models must be an object of strings' }).nullish(),
    },
    { message: 'llmSettings must be an object or null' },
  )
  .strict();

const sharedConfig = {
  llmSettings: LlmSettingsInput.nullish(),
  maxConcurrency: z.number({ message: 'maxConcurrency must be an integer between 1 and 100' }).int('maxConcurrency must be an integer between 1 and 100').min(1, 'maxConcurrency must be an integer between 1 and 100').max(100, 'maxConcurrency must be an integer between 1 and 100').nullish(),
  styleReferenceImageIds: z.array(z.string({ message: 'styleReferenceImageIds must be an array of image ids' }).max(100), { message: 'styleReferenceImageIds must be an array of image ids' }).max(10, 'styleReferenceImageIds may hold at most 10 images').nullish(),
};

/** PUT /config: a field set to null clears the override; an omitted field is left alone. */
export const ProjectConfigInput = z.object({ name: ProjectName.optional(), ...sharedConfig }, { message: 'Body must be a JSON object' });
export const WorkspaceConfigInput = z.object(sharedConfig, { message: 'Body must be a JSON object' });
export type ConfigPatch = z.infer<typeof WorkspaceConfigInput>;

export const UploadImageInput = z.object({
  imageBase64: z.string({ message: 'imageBase64 is required' }).min(1, 'imageBase64 is required'),
  filename: z.string({ message: 'filename must be a string' }).max(255, 'filename must be at most 255 characters').optional(),
});
