// Web Push on this device: register the service worker, subscribe with the server's VAPID key
// and hand the subscription to the server. Only ever called from a click (never on page load:
// browsers penalise sites that ask for permission unprompted).
import { api } from '../../api';

/** Where the service worker is served (by the binary, scope `/`). */
export const SERVICE_WORKER_URL = '/sw.js';

/** A base64url string (padded or not) as bytes: the VAPID key for `applicationServerKey`. */
export function urlBase64ToUint8Array(text: string): Uint8Array {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** What this browser can do about push. */
export type PushSupport = 'supported' | 'unsupported' | 'insecure';

export function pushSupport(win: Window = window): PushSupport {
  if (!('serviceWorker' in win.navigator) || !('PushManager' in win) || !('Notification' in win)) return 'unsupported';
  return win.isSecureContext ? 'supported' : 'insecure';
}

/** The push subscription of this browser, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return registration ? registration.pushManager.getSubscription() : null;
}

/** Asks for permission, subscribes this browser and registers it with the server. */
export async function enablePush(): Promise<'enabled' | 'denied'> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return 'denied';
  const { publicKey } = await api.push.key();
  const registration = await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' });
  await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  const key = urlBase64ToUint8Array(publicKey);
  // A subscription made with another server key (the keys were changed) cannot be reused.
  if (existing && !sameKey(existing.options.applicationServerKey, key)) await existing.unsubscribe();
  const subscription =
    (existing && sameKey(existing.options.applicationServerKey, key) ? existing : null) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key as BufferSource }));
  await api.push.subscribe(subscription.toJSON());
  return 'enabled';
}

/** Unsubscribes this browser, here and on the server. */
export async function disablePush(): Promise<void> {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await api.push.unsubscribe(subscription.endpoint);
  await subscription.unsubscribe();
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}
