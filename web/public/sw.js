// Switchboard's service worker: shows a Web Push as a system notification and, on click,
// focuses an open Switchboard tab (or opens one) at the message. The push payload is
// {id, kind, roomId, messageId, seq, threadId, title, body} (see docs/api.md, "Web Push").

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const options = {
    body: typeof data.body === 'string' ? data.body : '',
    tag: typeof data.id === 'string' ? data.id : undefined,
    icon: '/icon-192.png',
    badge: '/icon-192.png',
    data: { roomId: data.roomId, seq: data.seq, kind: data.kind, threadId: data.threadId },
  };
  event.waitUntil(self.registration.showNotification(data.title || 'Switchboard', options));
});

/** The page of the app that shows the notification's message. */
function targetUrl(data) {
  if (!data || typeof data.roomId !== 'string') return '/';
  const base = data.kind === 'ticket_assigned' ? '/tickets/' : '/rooms/';
  const query = new URLSearchParams();
  if (Number.isInteger(data.seq)) query.set('seq', String(data.seq));
  if (typeof data.threadId === 'string') query.set('thread', data.threadId);
  const search = query.toString();
  return `${base}${encodeURIComponent(data.roomId)}${search ? `?${search}` : ''}`;
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(targetUrl(event.notification.data), self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        if ('navigate' in open) await open.navigate(url);
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
