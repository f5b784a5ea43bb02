/**
 * Bodies of media-upload routes (`rawBody: true`), in the three forms clients
 * send them:
 * - `multipart/form-data` (`curl -F file=@photo.jpg`): files and text fields,
 *   parsed with busboy (the parser behind multer; streaming and limit-aware);
 * - a bare media body (`Content-Type: image/png`, `audio/mpeg`, …): one file;
 * - `application/json`: no files, the object as `json` (e.g. `{ "imageIds": […] }`).
 * The whole body is bounded by `maxFiles × maxFileBytes` (413 from
 * Content-Length before reading, or as soon as it passes), each file by
 * `maxFileBytes` (413). Anything else is 415. Bytes are sniffed later by
 * src/infra/blobs.ts, so a declared type is only a claim.
 */
import Busboy from 'busboy';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { UnsupportedMediaError } from '../infra/blobs.js';
import type { UploadedFile, Uploads } from '../infra/uploads.js';
import { assertText, parseCheckedJson } from '../server/request-text.js';
import type { RestRequest } from './route.js';

const MULTIPART_OVERHEAD = 64 * 1024;

export async function readUploads(
  req: Pick<RestRequest, 'headers' | 'readRaw'>,
  opts: { maxFileBytes: number; maxFiles: number; maxJsonDepth: number },
): Promise<Uploads> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const mime = type.split(';')[0]!.trim();
  if (mime === 'application/json' || mime.endsWith('+json')) {
    const raw = await req.readRaw(MULTIPART_OVERHEAD * 16);
    const malformed = () => new ValidationError('the request body is not valid JSON', null, 'invalid_json');
    return { files: [], fields: {}, json: raw.length ? parseCheckedJson(raw, { maxDepth: opts.maxJsonDepth, malformed }) : {} };
  }
  if (/^(image|audio|video)\//.test(mime)) {
    const bytes = await req.readRaw(opts.maxFileBytes);
    return { files: [{ field: 'file', filename: null, declaredType: mime, bytes }], fields: {}, json: undefined };
  }
  if (mime !== 'multipart/form-data') {
    throw new UnsupportedMediaError(
      `send the file as multipart/form-data, as a raw image/audio/video body, or JSON; not ${mime || 'a body without Content-Type'}`,
    );
  }
  const body = await req.readRaw(opts.maxFiles * opts.maxFileBytes + MULTIPART_OVERHEAD);
  return parseMultipart(body, type, opts);
}

function parseMultipart(body: Buffer, contentType: string, opts: { maxFileBytes: number; maxFiles: number }): Promise<Uploads> {
  return new Promise((resolve, reject) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({ headers: { 'content-type': contentType }, limits: { fileSize: opts.maxFileBytes, files: opts.maxFiles, fields: 100, fieldSize: 64 * 1024 } });
    } catch {
      reject(new ValidationError('the multipart body has no boundary', null, 'invalid_multipart'));
      return;
    }
    const files: UploadedFile[] = [];
    const fields: Record<string, string> = {};
    let failed: Error | null = null;
    const fail = (err: Error) => {
      failed ??= err;
    };
    // Field names, text fields and file names are request text like any other (src/server/request-text.ts).
    const checked = (what: string, value: string) => {
      try {
        assertText(value, what);
      } catch (err) {
        fail(err as Error);
      }
    };
    bb.on('file', (field, stream, info) => {
      checked('form field name', field);
      if (info.filename) checked(`filename of ${field}`, info.filename);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(new PayloadTooLargeError(opts.maxFileBytes)));
      stream.on('end', () => {
        files.push({ field, filename: info.filename || null, declaredType: info.mimeType || null, bytes: Buffer.concat(chunks) });
      });
    });
    bb.on('field', (name, value) => {
      checked('form field name', name);
      checked(`form.${name}`, value);
      fields[name] = value;
    });
    bb.on('filesLimit', () => fail(new ValidationError(`at most ${opts.maxFiles} files per request`, 'files', 'too_many_files')));
    bb.on('error', () => fail(new ValidationError('the multipart body is malformed', null, 'invalid_multipart')));
    bb.on('close', () => (failed ? reject(failed) : resolve({ files, fields, json: undefined })));
    bb.end(body);
  });
}
