/**
 * The shape of an upload body once read (files, text fields, or JSON), so
 * services can take uploads without knowing the transport: REST reads it in
 * src/rest/uploads.ts (`readUploads`), services receive a `() => Promise<Uploads>`.
 */

export interface UploadedFile {
  field: string;
  filename: string | null;
  declaredType: string | null;
  bytes: Buffer;
}

export interface Uploads {
  files: UploadedFile[];
  /** Text fields of a multipart body. */
  fields: Record<string, string>;
  /** The parsed body when it was JSON. */
  json: unknown;
}
