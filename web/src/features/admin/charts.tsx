// Hand-drawn SVG charts: enough for an ops dashboard, no chart library in the bundle.
import { latest, segments, tickIndices } from './telemetry';
import { t } from '../../i18n';

export interface Series {
  label: string;
  /** null = no data for that bucket (the line breaks there). */
  values: (number | null)[];
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
const PAD = { top: 10, right: 10, bottom: 22, left: 52 };

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
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)))));
  const innerW = W - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n <= 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, max / 2, max];
  const summary = series
    .map((s) => {
      const v = latest(s.values);
      return `${s.label} ${v === null ? 'no data' : `${fmt(v)}${unit}`}`;
    })
    .join(', ');
  const ticksX = tickIndices(n);
  const hasData = series.some((s) => latest(s.values) !== null);

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
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={t('charts.latest', { title, summary: summary || t('charts.noData') })}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="chart-axis">
              {fmt(t)}
              {unit}
            </text>
          </g>
        ))}
        {ticksX.map((i) => (
          <text key={i} x={x(i)} y={height - 6} textAnchor={n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle'} className="chart-axis">
            {labels[i]}
          </text>
        ))}
        {series.map((s) =>
          segments(s.values).map((run) =>
            run.length === 1 ? (
              <circle key={`${s.label}-${run[0]?.[0]}`} cx={x(run[0]?.[0] ?? 0)} cy={y(run[0]?.[1] ?? 0)} r={2.5} fill={s.color} />
            ) : (
              <polyline
                key={`${s.label}-${run[0]?.[0]}`}
                fill="none"
                stroke={s.color}
                strokeWidth={2}
                strokeLinejoin="round"
                vectorEffect="non-scaling-stroke"
                points={run.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
              />
            ),
          ),
        )}
        {!hasData && (
          <text x={(PAD.left + W - PAD.right) / 2} y={PAD.top + (height - PAD.top - PAD.bottom) / 2} textAnchor="middle" className="chart-axis">
            {n === 0 ? t('charts.noDataYet') : t('charts.noDataWindow')}
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
        <p className="muted">{t('charts.noDataYet')}</p>
      ) : (
        <ul>
          {items.map((i, idx) => (
            <li key={`${i.label}-${idx}`}>
              <span className="bar-label" title={i.label}>
                {i.label}
              </span>
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
