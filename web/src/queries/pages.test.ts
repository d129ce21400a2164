import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { Page } from '../types';
import { setPagedItems, uniqueBy } from './pages';

type Data = InfiniteData<Page<number>, string | number | null>;

function clientWith(pages: Page<number>[]): QueryClient {
  const client = new QueryClient();
  client.setQueryData<Data>(['list'], { pages, pageParams: pages.map((_, i) => (i === 0 ? null : i)) });
  return client;
}

describe('setPagedItems', () => {
  it('keeps page sizes and gives what was added to the last page', () => {
    const client = clientWith([
      { items: [1, 2], nextCursor: '1' },
      { items: [3], nextCursor: null },
    ]);
    setPagedItems<number>(client, ['list'], (xs) => [0, ...xs]);
    expect(client.getQueryData<Data>(['list'])?.pages.map((p) => p.items)).toEqual([[0, 1], [2, 3]]);
  });

  it('tells whether every page is loaded', () => {
    const seen: boolean[] = [];
    const client = clientWith([{ items: [1], nextCursor: 'next' }]);
    setPagedItems<number>(client, ['list'], (xs, allLoaded) => (seen.push(allLoaded), xs));
    const done = clientWith([{ items: [1], nextCursor: null }]);
    setPagedItems<number>(done, ['list'], (xs, allLoaded) => (seen.push(allLoaded), xs));
    expect(seen).toEqual([false, true]);
  });

  it('shrinks pages when items go', () => {
    const client = clientWith([
      { items: [1, 2], nextCursor: '1' },
      { items: [3, 4], nextCursor: null },
    ]);
    setPagedItems<number>(client, ['list'], (xs) => xs.filter((x) => x !== 2));
    expect(client.getQueryData<Data>(['list'])?.pages.map((p) => p.items)).toEqual([[1, 3], [4]]);
  });

  it('leaves a list that was never loaded alone', () => {
    const client = new QueryClient();
    setPagedItems<number>(client, ['list'], () => [1]);
    expect(client.getQueryData(['list'])).toBeUndefined();
  });
});

describe('uniqueBy', () => {
  it('keeps the first of each id', () => {
    expect(uniqueBy([{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'a', n: 3 }], (x) => x.id).map((x) => x.n)).toEqual([1, 2]);
  });
});
