import { formatRate } from "../format.ts";

export interface ChartSeries {
  label: string;
  points: { at: number; value: number }[];
  dashed?: boolean;
}

export interface ChartLine {
  label: string;
  value: number;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 24 };
const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

export function colorOf(index: number): string {
  return COLORS[index % COLORS.length]!;
}

/** The next 1, 2 or 5 × 10^n at or above `value`: axis labels people read at a glance. */
export function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((f) => f * power >= value) ?? 10) * power;
}

/**
 * A time chart of byte rates as SVG (no chart library: a few hundred points need none): one line per series,
 * horizontal reference lines (the scaling watermarks), a legend the screen reader reads as a list.
 */
export function LineChart(props: { title: string; series: ChartSeries[]; lines?: ChartLine[] }) {
  const all = props.series.flatMap((s) => s.points);
  const from = Math.min(...all.map((p) => p.at));
  const to = Math.max(...all.map((p) => p.at));
  const lines = props.lines ?? [];
  // Watermarks far above the traffic would flatten it: draw only those within 4x the highest point.
  const peak = Math.max(1, ...all.map((p) => p.value));
  const shownLines = lines.filter((l) => l.value <= peak * 4);
  const max = niceCeiling(Math.max(1000, peak * 1.1, ...shownLines.map((l) => l.value * 1.1)));
  const x = (at: number) =>
    PAD.left + ((at - from) / Math.max(1, to - from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [0, 0.5, 1].map((f) => f * max);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {formatRate(t)}
            </text>
          </g>
        ))}
        {all.length > 0 && (
          <>
            <text x={PAD.left} y={HEIGHT - 6} className="axis">
              {new Date(from).toLocaleTimeString()}
            </text>
            <text x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end" className="axis">
              {new Date(to).toLocaleTimeString()}
            </text>
          </>
        )}
        {shownLines.map((l) => (
          <g key={l.label}>
            <line
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={y(l.value)}
              y2={y(l.value)}
              className="watermark"
            />
            <text x={WIDTH - PAD.right} y={y(l.value) - 4} textAnchor="end" className="axis">
              {l.label} {formatRate(l.value)}
            </text>
          </g>
        ))}
        {props.series.map((s, i) => (
          <polyline
            key={s.label}
            fill="none"
            stroke={colorOf(Math.floor(i / 2))}
            strokeWidth={2}
            strokeDasharray={s.dashed ? "5 4" : undefined}
            points={s.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ")}
          />
        ))}
      </svg>
      <figcaption>
        <ul className="legend">
          {props.series.map((s, i) => (
            <li key={s.label}>
              <span
                className={`swatch${s.dashed ? " dashed" : ""}`}
                style={{ borderColor: colorOf(Math.floor(i / 2)) }}
              />
              {s.label}
            </li>
          ))}
          {lines.length > shownLines.length && (
            <li className="muted">
              {lines
                .filter((l) => !shownLines.includes(l))
                .map((l) => `${l.label} ${formatRate(l.value)}`)
                .join(", ")}{" "}
              (off the chart)
            </li>
          )}
        </ul>
      </figcaption>
    </figure>
  );
}
