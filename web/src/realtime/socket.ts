import { io } from 'socket.io-client';

export type Listener = (...args: unknown[]) => void;

/**
 * The part of a socket.io-client Socket the realtime client uses. Unit tests pass a fake that
 * implements just this.
 */
export interface SocketLike {
  readonly connected: boolean;
  /** false after the server's middleware refused the connection (no automatic reconnect then). */
  readonly active?: boolean;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener?: Listener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

/**
 * The one real socket: same origin, session cookie on the handshake, plus `auth.token` when
 * the client knows a token (read on every connection attempt, so it can change). `auth.batch`
 * asks for `message:batch`: the messages of a busy room that are ready together come as one
 * packet.
 */
export function createSocket(getToken: () => string | null): SocketLike {
  return io({
    path: '/socket.io',
    withCredentials: true,
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    autoConnect: false,
    auth: (cb: (data: object) => void) => {
      const token = getToken();
      cb(token ? { token, batch: true } : { batch: true });
    },
  });
}
