export { RealtimeClient } from './RealtimeClient';
export type { ConnectionState, RealtimeEvents, SessionEnded } from './RealtimeClient';
export type { OutboxItem } from './outbox';
export { createSocket } from './socket';
export type { SocketLike } from './socket';
export { browserStore, memoryStore } from './storage';
export { RealtimeProvider, useRealtime, useRealtimeEvent, useConnectionState, useOutbox, useOffline } from './hooks';
