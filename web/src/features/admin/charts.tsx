// Hand-drawn SVG charts: enough for an ops dashboard, no chart library in the bundle.

export interface Series {
  label: string;
  values: number[];
  /** CSS colour (a variable). */
  color: string;
}

interface LineChartProps {
  title: string;
  unit?: string;
  /** x labels (minutes), same length as each series. */
  labels: string[];
  series: Series[];
  height?: number;
}

const W = 360;
const PAD = { top: 10, right: 8, bottom: 22, left: 40 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const n = v / p;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
}

function fmt(v: number): string {
  if (v >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function LineChart({ title, unit = '', labels, series, height = 180 }: LineChartProps) {
  const n = labels.length;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n <= 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, max / 2, max];
  const latest = series.map((s) => `${s.label} ${fmt(s.values[s.values.length - 1] ?? 0)}${unit}`).join(', ');
  const labelEvery = Math.max(1, Math.ceil(n / 6));

  return (
    <figure className="chart" data-testid="chart">
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-legend">
          {series.map((s) => (
            <span key={s.label} className="legend-item">
              <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`${title}. Latest: ${latest || 'no data'}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="chart-axis">
              {fmt(t)}
              {unit}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % labelEvery === 0 ? (
            <text key={l + i} x={x(i)} y={height - 6} textAnchor="middle" className="chart-axis">
              {l}
            </text>
          ) : null,
        )}
        {series.map((s) => (
          <polyline
            key={s.label}
            fill="none"
            stroke={s.color}
            strokeWidth={2}
            vectorEffect="non-scaling-stroke"
            points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
          />
        ))}
        {n === 0 && (
          <text x={W / 2} y={height / 2} textAnchor="middle" className="chart-axis">
            No data yet
          </text>
        )}
      </svg>
    </figure>
  );
}

export function BarList({ title, items }: { title: string; items: { label: string; value: number }[] }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <figure className="chart bar-list">
      <figcaption>
        <span className="chart-title">{title}</span>
      </figcaption>
      {items.length === 0 ? (
        <p className="muted">No data yet</p>
      ) : (
        <ul>
          {items.map((i) => (
            <li key={i.label}>
              <span className="bar-label">{i.label}</span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${(i.value / max) * 100}%` }} />
              </span>
              <span className="bar-value">{fmt(i.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
