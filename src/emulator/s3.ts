import { randomBytes, randomUUID } from "node:crypto";
import type { HttpResult } from "./router.js";

/** Headers the emulator's "S3" requires on an upload, as the real presigned URL does (signed headers). */
export const UPLOAD_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/octet-stream",
  "x-amz-server-side-encryption": "AES256",
};

interface Upload {
  signature: string;
  headers: Record<string, string>;
  onUpload: (body: Buffer) => void;
}

interface Download {
  signature: string;
  body: Uint8Array;
  contentType: string;
  fileName: string;
}

function s3Error(status: number, code: string, message: string): HttpResult {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString("hex").toUpperCase()}</RequestId></Error>`;
  return { status, raw: xml, headers: { "Content-Type": "application/xml" } };
}

/**
 * The presigned S3 URLs the emulator hands out for import uploads and export downloads. They need no
 * bearer token; like S3 they check the signature in the query and, for uploads, the signed headers.
 */
export class PresignedStore {
  private readonly uploads = new Map<string, Upload>();
  private readonly downloads = new Map<string, Download>();

  /** Registers an upload target; `onUpload` gets the body of every accepted PUT. Returns the URL path + query. */
  createUpload(onUpload: (body: Buffer) => void): { path: string; headers: Record<string, string> } {
    const key = randomUUID();
    const signature = randomBytes(32).toString("hex");
    this.uploads.set(key, { signature, headers: { ...UPLOAD_HEADERS }, onUpload });
    return { path: `/__s3/uploads/${key}${presignQuery(signature)}`, headers: { ...UPLOAD_HEADERS } };
  }

  /** Stores a download and returns the URL path + query that serves it. */
  createDownload(body: Uint8Array, contentType: string, fileName: string): string {
    const key = randomUUID();
    const signature = randomBytes(32).toString("hex");
    this.downloads.set(key, { signature, body, contentType, fileName });
    return `/__s3/downloads/${key}/${encodeURIComponent(fileName)}${presignQuery(signature)}`;
  }

  /** Serves a request under `/__s3/`. */
  handle(
    method: string,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): HttpResult {
    const [, , area, key] = url.pathname.split("/");
    const signature = url.searchParams.get("X-Amz-Signature");
    if (area === "uploads" && key) {
      const upload = this.uploads.get(key);
      if (!upload) return s3Error(404, "NoSuchUpload", "The specified upload does not exist.");
      if (method !== "PUT")
        return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      if (signature !== upload.signature) return signatureMismatch();
      for (const [name, value] of Object.entries(upload.headers)) {
        const got = headers[name.toLowerCase()];
        if (got === undefined)
          return s3Error(
            403,
            "AccessDenied",
            `There were headers present in the request which were not signed: missing ${name}`,
          );
        if (String(got) !== value) return signatureMismatch();
      }
      upload.onUpload(body);
      return { status: 200, raw: "", headers: { ETag: `"${randomBytes(16).toString("hex")}"` } };
    }
    if (area === "downloads" && key) {
      const download = this.downloads.get(key);
      if (!download) return s3Error(404, "NoSuchKey", "The specified key does not exist.");
      if (method !== "GET")
        return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      if (signature !== download.signature) return signatureMismatch();
      return {
        status: 200,
        raw: download.body,
        headers: {
          "Content-Type": download.contentType,
          "Content-Disposition": `attachment; filename="${download.fileName}"`,
        },
      };
    }
    return s3Error(404, "NoSuchKey", "The specified key does not exist.");
  }
}

function signatureMismatch(): HttpResult {
  return s3Error(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  );
}

function presignQuery(signature: string): string {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=3600&X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-server-side-encryption&X-Amz-Signature=${signature}`;
}
