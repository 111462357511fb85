// Renders the scale-out benchmark's timeline as an SVG: per-broker network in+out (one line per broker), the
// high and low watermarks (per broker), the broker count (a step line on the right axis), and a mark for
// each partition move and each autoscaler decision. No dependency: plain SVG text.

export interface TimelinePoint {
  /** ms since the start of the run */
  t: number;
  brokers: number;
  /** per-broker network in + out, bytes/s, by broker id */
  load: Record<number, number>;
}

export interface TimelineMark {
  t: number;
  label: string;
  kind: "move" | "decision";
}

export interface ChartInput {
  title: string;
  points: TimelinePoint[];
  marks: TimelineMark[];
  highWatermark: number;
  lowWatermark: number;
  maxBrokers: number;
}

const W = 960;
const H = 420;
const M = { left: 70, right: 60, top: 40, bottom: 50 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderScaleOutChart(input: ChartInput): string {
  const tMax = Math.max(1, ...input.points.map((p) => p.t), ...input.marks.map((m) => m.t));
  const loads = input.points.flatMap((p) => Object.values(p.load));
  const yMax = Math.max(input.highWatermark * 1.3, ...loads) * 1.05;
  const x = (t: number) => M.left + (t / tMax) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  const yb = (n: number) => H - M.bottom - (n / (input.maxBrokers + 1)) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(input.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(input.title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">seconds since load started</text>`,
    `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">per-broker in+out (KB/s)</text>`,
    `<text x="${W - 14}" y="${H / 2}" transform="rotate(90 ${W - 14} ${H / 2})" text-anchor="middle">brokers</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    parts.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v / 1000)}</text>`);
  }
  const step = Math.max(1, Math.ceil(tMax / 1000 / 10));
  for (let s = 0; s <= tMax / 1000; s += step) {
    parts.push(`<text x="${x(s * 1000)}" y="${H - M.bottom + 16}" text-anchor="middle">${s}</text>`);
  }
  for (let n = 0; n <= input.maxBrokers; n++) {
    parts.push(`<text x="${W - M.right + 6}" y="${yb(n) + 4}">${n}</text>`);
  }
  for (const [v, name] of [
    [input.highWatermark, "high watermark"],
    [input.lowWatermark, "low watermark"],
  ] as const) {
    parts.push(
      `<line x1="${M.left}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#999" stroke-dasharray="6 4"/>`,
      `<text x="${W - M.right - 4}" y="${y(v) - 4}" text-anchor="end" fill="#666">${name}</text>`,
    );
  }
  for (const mark of input.marks) {
    const color = mark.kind === "move" ? "#bbb" : "#000";
    parts.push(
      `<line x1="${x(mark.t)}" y1="${M.top}" x2="${x(mark.t)}" y2="${H - M.bottom}" stroke="${color}" stroke-width="${mark.kind === "move" ? 0.6 : 1.2}"><title>${esc(mark.label)}</title></line>`,
    );
    if (mark.kind === "decision")
      parts.push(`<text x="${x(mark.t) + 3}" y="${M.top + 10}">${esc(mark.label)}</text>`);
  }
  const ids = [...new Set(input.points.flatMap((p) => Object.keys(p.load).map(Number)))].sort(
    (a, b) => a - b,
  );
  ids.forEach((id, i) => {
    const path = input.points
      .filter((p) => p.load[id] !== undefined)
      .map((p, j) => `${j === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p.load[id]!).toFixed(1)}`)
      .join(" ");
    const color = COLORS[i % COLORS.length];
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<text x="${M.left + 8 + i * 90}" y="${M.top - 6}" fill="${color}">broker ${id}</text>`);
  });
  const brokerPath = input.points
    .map((p, j) => `${j === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${yb(p.brokers).toFixed(1)}`)
    .join(" ");
  parts.push(`<path d="${brokerPath}" fill="none" stroke="black" stroke-width="2" stroke-opacity="0.5"/>`);
  parts.push(
    `<text x="${M.left + 8 + ids.length * 90}" y="${M.top - 6}" fill="#555">brokers (right axis)</text>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
