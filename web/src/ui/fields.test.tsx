import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable } from './DataTable';
import { SelectField } from './SelectField';

function dom(markup: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = markup;
  return div;
}

const NONE: string = '';

describe('SelectField', () => {
  it('labels the select and ties its hint and error to it', () => {
    const root = dom(
      renderToStaticMarkup(
        <SelectField id="dept" label="Department" value={NONE} choices={['billing', { value: 'tech', label: 'Technical' }]} none="Any" hint="Who answers" error="Pick one" onChange={() => undefined} />,
      ),
    );
    const select = root.querySelector('select');
    expect(root.querySelector('label')?.getAttribute('for')).toBe('dept');
    expect(select?.id).toBe('dept');
    expect([...(select?.options ?? [])].map((o) => [o.value, o.text])).toEqual([
      ['', 'Any'],
      ['billing', 'billing'],
      ['tech', 'Technical'],
    ]);
    expect(select?.getAttribute('aria-describedby')).toBe('dept-hint dept-error');
    expect(select?.getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('#dept-error')?.textContent).toBe('Pick one');
  });

  it('keeps a hidden label for screen readers', () => {
    const root = dom(renderToStaticMarkup(<SelectField id="r" label="Role of Ann" labelHidden value="staff" choices={['staff']} onChange={() => undefined} />));
    expect(root.querySelector('label')?.className).toBe('visually-hidden');
    expect(root.querySelector('select')?.hasAttribute('aria-describedby')).toBe(false);
  });
});

describe('DataTable', () => {
  type Row = { id: string; n: number };
  const none: Row[] = [];
  const columns = [
    { header: 'Name', rowHeader: true, cell: (r: Row) => r.id },
    { header: 'Count', cell: (r: Row) => r.n },
    { header: 'Actions', headerHidden: true, cell: () => null },
  ];

  it('has a caption, column headers, row headers and a named scroll box', () => {
    const root = dom(renderToStaticMarkup(<DataTable caption="Totals" columns={columns} rows={[{ id: 'a', n: 1 }]} rowKey={(r) => r.id} empty="Nothing" />));
    expect(root.querySelector('caption')?.textContent).toBe('Totals');
    expect([...root.querySelectorAll('thead th[scope="col"]')].map((th) => th.textContent)).toEqual(['Name', 'Count', 'Actions']);
    expect(root.querySelector('tbody th[scope="row"]')?.textContent).toBe('a');
    const wrap = root.querySelector('.table-wrap');
    expect(wrap?.getAttribute('tabindex')).toBe('0');
    expect(wrap?.getAttribute('aria-label')).toBe('Totals');
  });

  it('says when there are no rows, but not while loading', () => {
    const empty = dom(renderToStaticMarkup(<DataTable caption="T" columns={columns} rows={none} rowKey={(r) => r.id} empty="Nothing" />));
    expect(empty.querySelector('td.empty')?.getAttribute('colspan')).toBe('3');
    expect(empty.querySelector('td.empty')?.textContent).toBe('Nothing');
    const loading = dom(renderToStaticMarkup(<DataTable caption="T" columns={columns} rows={none} rowKey={(r) => r.id} empty="Nothing" loading />));
    expect(loading.querySelector('td.empty')).toBeNull();
    expect(loading.querySelector('table')?.getAttribute('aria-busy')).toBe('true');
  });

  it('offers more rows only while there are more', () => {
    const more = (hasMore: boolean) =>
      dom(renderToStaticMarkup(<DataTable caption="T" columns={columns} rows={none} rowKey={(r) => r.id} empty="" paging={{ hasMore, onMore: () => undefined, label: 'Load more' }} />));
    expect(more(true).querySelector('button')?.textContent).toBe('Load more');
    expect(more(false).querySelector('button')).toBeNull();
  });
});
