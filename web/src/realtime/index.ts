export { RealtimeClient, updatedUserId, type UserUpdatedEvent } from './RealtimeClient';
export type { ConnectionState, RealtimeEvents, SessionEnded, WatchChange, WatchResult, WatchStatus } from './RealtimeClient';
export type { OutboxItem } from './outbox';
export { createSocket } from './socket';
export type { SocketLike } from './socket';
export { browserStore, memoryStore } from './storage';
export { RealtimeProvider, useRealtime, useRealtimeEvent, useConnectionState, useOutbox, useOffline, useWatch } from './hooks';
export type { WatchState } from './hooks';
