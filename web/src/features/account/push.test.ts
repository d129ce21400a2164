import { describe, expect, it } from 'vitest';
import { pushSupport, urlBase64ToUint8Array } from './push';

describe('urlBase64ToUint8Array', () => {
  it('decodes unpadded base64url, including - and _', () => {
    // 0xfb 0xff 0xbf is "-_-_" in base64url ("+/+/" in base64).
    expect(Array.from(urlBase64ToUint8Array('-_-_'))).toEqual([0xfb, 0xff, 0xbf]);
    expect(Array.from(urlBase64ToUint8Array('AQID'))).toEqual([1, 2, 3]);
    expect(Array.from(urlBase64ToUint8Array('AQ'))).toEqual([1]);
    expect(Array.from(urlBase64ToUint8Array('AQI'))).toEqual([1, 2]);
  });

  it('accepts padded input', () => {
    expect(Array.from(urlBase64ToUint8Array('AQ=='))).toEqual([1]);
  });

  it('decodes a VAPID public key to the 65-byte uncompressed point', () => {
    const key = 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4';
    const bytes = urlBase64ToUint8Array(key);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
  });
});

describe('pushSupport', () => {
  it('is unsupported without a service worker container', () => {
    const win = { navigator: {}, isSecureContext: true } as unknown as Window;
    expect(pushSupport(win)).toBe('unsupported');
  });

  it('needs a secure context', () => {
    const win = { navigator: { serviceWorker: {} }, PushManager: {}, Notification: {}, isSecureContext: false } as unknown as Window;
    expect(pushSupport(win)).toBe('insecure');
    expect(pushSupport({ ...win, isSecureContext: true } as unknown as Window)).toBe('supported');
  });
});
