// Multipart uploads. `fetch` reports no upload progress, so files go with XMLHttpRequest; the
// rest of the contract is the one of `request` in client.ts: same origin, cookie credentials
// (the server's CSRF guard checks the Origin the browser sends), the `{ok, data}` envelope,
// and every failure as an ApiError.
import { API_BASE, onUnauthorizedNotify } from './client';
import { ApiError, errorFromBody, notAvailableIfNoRoute } from './errors';
import { t } from '../i18n';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadHandle<T> {
  /** Resolves with the payload; rejects with an ApiError, or an `AbortError` DOMException after `abort()`. */
  promise: Promise<T>;
  abort(): void;
}

export interface UploadOptions {
  method?: 'POST' | 'PUT';
  onProgress?: (p: UploadProgress) => void;
}

function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends `form` to `path` (under /api/v1) with progress events and a way to abort. */
export function sendForm<T>(path: string, form: FormData, opts: UploadOptions = {}): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open(opts.method ?? 'POST', `${API_BASE}${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.({ loaded: e.loaded, total: e.total });
    };
    xhr.onabort = () => reject(new DOMException(t('errors.uploadCancelled'), 'AbortError'));
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' }));
    xhr.ontimeout = xhr.onerror;
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      const ok = xhr.status >= 200 && xhr.status < 300;
      if (ok && typeof body === 'object' && body !== null && 'ok' in body && body.ok === true) {
        resolve((body as { data?: unknown }).data as T);
        return;
      }
      const error = notAvailableIfNoRoute(errorFromBody(xhr.status, body, xhr.getResponseHeader('x-request-id')));
      if (xhr.status === 401) onUnauthorizedNotify(error);
      reject(error);
    };
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** One file as the multipart part `file`. */
export function fileForm(file: Blob, name?: string): FormData {
  const form = new FormData();
  if (name !== undefined) form.append('file', file, name);
  else form.append('file', file);
  return form;
}

/** True for the rejection of an aborted upload. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
