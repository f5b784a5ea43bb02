/** Progress of a social import, on the `import.progress` topic keyed by import id; published by src/modules/social-import. */
export interface ImportProgressEvent {
  importId: string;
  status: string;
  imported: number;
  skipped: number;
  error: string | null;
  at: string;
}
