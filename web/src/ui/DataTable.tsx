import type { HTMLAttributes, ReactNode } from 'react';

export interface Column<T> {
  /** What the header says; `headerHidden` keeps it for screen readers only (an actions column). */
  header: string;
  headerHidden?: boolean;
  cell(row: T): ReactNode;
  /** The cell names its row (`<th scope="row">`), like a person's name. */
  rowHeader?: boolean;
  className?: string;
  testId?: string;
}

/** What a row carries besides its cells: a class, a title, `data-*` attributes for tests. */
type RowProps = HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | boolean | undefined>;

interface Props<T> {
  /** Names the table (its caption, for screen readers) and its scroll box. */
  caption: string;
  columns: readonly Column<NoInfer<T>>[];
  rows: readonly T[];
  rowKey(row: T): string;
  rowProps?(row: T): RowProps;
  /** Said in a row of its own when there are no rows and nothing is loading. */
  empty: ReactNode;
  loading?: boolean;
  /** A "more" button under the table while there are more rows to read. */
  paging?: { hasMore: boolean; onMore(): void; label: string };
  className?: string;
  testId?: string;
  wrapTestId?: string;
}

/**
 * A table of rows with a caption, column headers and an empty state. Its box is focusable
 * and named, so a keyboard can scroll it when a narrow screen makes it scroll.
 */
export function DataTable<T>({ caption, columns, rows, rowKey, rowProps, empty, loading = false, paging, className, testId, wrapTestId }: Props<T>) {
  return (
    <>
      <div className="table-wrap" tabIndex={0} role="region" aria-label={caption} data-testid={wrapTestId}>
        <table className={className ? `data-table ${className}` : 'data-table'} aria-busy={loading} data-testid={testId}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.header} scope="col">
                  {c.headerHidden ? <span className="visually-hidden">{c.header}</span> : c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={rowKey(row)} {...rowProps?.(row)}>
                {columns.map((c) =>
                  c.rowHeader ? (
                    <th key={c.header} scope="row" className={c.className} data-testid={c.testId}>
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={c.header} className={c.className} data-testid={c.testId}>
                      {c.cell(row)}
                    </td>
                  ),
                )}
              </tr>
            ))}
            {!loading && rows.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="empty">
                  {empty}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {paging?.hasMore && (
        <button type="button" className="button" onClick={paging.onMore} disabled={loading}>
          {paging.label}
        </button>
      )}
    </>
  );
}
