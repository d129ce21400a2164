import { useQueryClient } from '@tanstack/react-query';
import { useRealtimeEvent } from '../realtime';
import { queryKeys } from './keys';

/**
 * Keeps cached room lists honest: a room renamed, archived, restored or deleted elsewhere is
 * read again in Discover and the archived list (screens on show refetch at once, others when
 * next shown). Lists with their own live handling (the ticket queue, files, pins) do it there.
 */
export function useLiveRoomLists(): void {
  const queryClient = useQueryClient();
  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.rooms.discoverAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.rooms.archived });
  };
  useRealtimeEvent('roomUpdated', invalidate);
  useRealtimeEvent('roomDeleted', invalidate);
}
