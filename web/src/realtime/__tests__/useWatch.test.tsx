import { act, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RealtimeProvider, useWatch } from '../hooks';
import { RealtimeClient } from '../RealtimeClient';
import { memoryStore } from '../storage';
import { FakeSocket } from './fakeSocket';

declare global {
  // React's flag for tests that drive updates through `act`.
  var IS_REACT_ACT_ENVIRONMENT: boolean | undefined;
}

function Probe({ roomId, enabled }: { roomId: string; enabled: boolean }) {
  const state = useWatch(roomId, enabled);
  return <p data-state={state}>{state}</p>;
}

let container: HTMLDivElement;
let root: Root;
let socket: FakeSocket;
let client: RealtimeClient;

function render(roomId: string, enabled: boolean) {
  act(() =>
    root.render(
      <StrictMode>
        <RealtimeProvider client={client}>
          <Probe roomId={roomId} enabled={enabled} />
        </RealtimeProvider>
      </StrictMode>,
    ),
  );
}

const shown = () => container.querySelector('p')?.dataset.state;
const settle = () => act(async () => undefined);

beforeEach(() => {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  socket = new FakeSocket();
  client = new RealtimeClient({ socket, store: memoryStore(), userId: 'me' });
  client.start();
  socket.serverConnect();
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  client.stop();
});

describe('useWatch', () => {
  it('watches while shown (once, even mounted twice by StrictMode) and unwatches when it stops', async () => {
    render('pub', true);
    await settle();
    expect(socket.sent('room:watch')).toHaveLength(1);
    expect(shown()).toBe('pending');
    await act(async () => {
      socket.answer('room:watch', { ok: true, data: { roomId: 'pub', lastSeq: 2, member: false, unwatched: [] } });
    });
    expect(shown()).toBe('live');

    // Joined (a member now): no watch needed any more.
    render('pub', false);
    await settle();
    expect(shown()).toBe('off');
    expect(socket.sent('room:unwatch').map((e) => e.payload)).toEqual([{ roomId: 'pub' }]);
  });

  it('shows a refused watch as gone, and unwatches nothing the server did not hold', async () => {
    render('secret', true);
    await settle();
    await act(async () => {
      socket.answer('room:watch', { ok: false, code: 'NOT_FOUND', message: 'not found' });
    });
    expect(shown()).toBe('gone');
    act(() => root.unmount());
    root = createRoot(container);
    await settle();
    expect(socket.sent('room:unwatch')).toHaveLength(0);
  });
});
