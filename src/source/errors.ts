import { PromoterError, type PromoterErrorOptions } from "../errors.js";

/**
 * Errors of the Git source. Messages are built from scrubbed text only (see `classify.ts`), so they
 * never carry a token, password or private key, and they name the repository URL without credentials.
 */

/** The repository could not be reached (DNS, refused connection, timeout, 5xx): retry with backoff. */
export class GitUnreachableError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("GitUnreachable", "Transient", message, options);
  }
}

/** The branch, tag or commit does not exist in the repository: a human must fix the ref. */
export class GitRefNotFoundError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("GitRefNotFound", "Stalled", message, options);
  }
}

/** The server refused the credentials, or the SSH host key did not verify: a human must fix the Secret. */
export class GitAuthError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("GitAuthFailed", "Stalled", message, options);
  }
}

/** The repository spec itself is unusable (bad URL, credentials in the URL, short commit SHA). */
export class GitSpecError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("GitSpecInvalid", "Stalled", message, options);
  }
}

/** A git command failed for a reason not covered above (corrupt object, disk full): retry. */
export class GitOperationError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("GitOperationFailed", "Transient", message, options);
  }
}

/** A flow path leaves the checkout (`..`, absolute path, or a symlink pointing outside). */
export class PathEscapeError extends PromoterError {
  constructor(message: string) {
    super("PathEscape", "Stalled", message);
  }
}

/** The flow directory is missing, or holds too many or too large files to be a flow set. */
export class FlowSetReadError extends PromoterError {
  constructor(message: string, options?: PromoterErrorOptions) {
    super("FlowSetRead", "Stalled", message, options);
  }
}
