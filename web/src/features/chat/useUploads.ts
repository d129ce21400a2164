import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, isAbort, type UploadHandle } from '../../api';
import type { AttachmentView } from '../../types';
import { useToast } from '../../ui/toast';
import * as q from './uploads';
import { t } from '../../i18n';

let counter = 0;
const newKey = () => `upload-${Date.now().toString(36)}-${(counter += 1)}`;

export interface Uploads {
  items: q.UploadItem[];
  add(files: File[]): void;
  cancel(key: string): void;
  retry(key: string): void;
  remove(key: string): void;
  /** Empties the queue after a send (nothing is aborted: only finished files are sent). */
  clear(): void;
  busy: boolean;
  attachmentIds: string[];
}

/**
 * The composer's uploads for one room: each file starts at once (up to three at a time) with
 * progress, and can be cancelled (the request is aborted), retried and removed.
 */
export function useUploads(roomId: string): Uploads {
  const toast = useToast();
  const [items, setItems] = useState<q.UploadItem[]>([]);
  const files = useRef(new Map<string, File>());
  const handles = useRef(new Map<string, UploadHandle<AttachmentView>>());

  // Another room: what was on its way is dropped.
  useEffect(() => {
    const running = handles.current;
    const kept = files.current;
    return () => {
      running.forEach((h) => h.abort());
      running.clear();
      kept.clear();
      setItems([]);
    };
  }, [roomId]);

  // Start what may start.
  useEffect(() => {
    for (const item of q.toStart(items)) {
      const file = files.current.get(item.key);
      if (!file || handles.current.has(item.key)) continue;
      setItems((xs) => q.started(xs, item.key));
      const handle = api.rooms.upload(roomId, file, (p) => setItems((xs) => q.progressed(xs, item.key, p.loaded, p.total)));
      handles.current.set(item.key, handle);
      handle.promise.then(
        (attachment) => setItems((xs) => q.finished(xs, item.key, attachment)),
        (err: unknown) => {
          if (isAbort(err)) setItems((xs) => q.cancelled(xs, item.key));
          else setItems((xs) => q.failed(xs, item.key, errorMessage(err)));
        },
      ).finally(() => {
        if (handles.current.get(item.key) === handle) handles.current.delete(item.key);
      });
    }
  }, [items, roomId]);

  const current = useRef(items);
  current.current = items;
  const add = useCallback(
    (picked: File[]) => {
      if (picked.length === 0) return;
      const next = q.addFiles(current.current, picked, newKey);
      next.added.forEach((item, i) => {
        const f = picked[i];
        if (f) files.current.set(item.key, f);
      });
      if (next.refused > 0) toast.show(t('useUploads.atMostMaxAttachmentsFiles', { MAX_ATTACHMENTS: q.MAX_ATTACHMENTS }), 'error');
      const keys = new Set(next.added.map((i) => i.key));
      setItems((xs) => [...xs, ...next.items.filter((i) => keys.has(i.key))]);
    },
    [toast],
  );

  const cancel = useCallback((key: string) => {
    const handle = handles.current.get(key);
    if (handle) handle.abort();
    else setItems((xs) => q.cancelled(xs, key));
  }, []);

  const retry = useCallback((key: string) => setItems((xs) => q.retried(xs, key)), []);

  const remove = useCallback((key: string) => {
    handles.current.get(key)?.abort();
    files.current.delete(key);
    setItems((xs) => q.removed(xs, key));
  }, []);

  const clear = useCallback(() => {
    files.current.clear();
    setItems([]);
  }, []);

  return { items, add, cancel, retry, remove, clear, busy: q.busy(items), attachmentIds: q.attachmentIds(items) };
}
