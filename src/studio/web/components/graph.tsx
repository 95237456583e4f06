/**
 * The compiled workflow as a graph: dagre lays it out top to bottom, SVG draws it. Edge
 * styles say what decides a transition (a condition, a route and its default, a loop and its
 * limit, a parallel map); badges mark joins, fan-outs and mapped nodes. Clicking a node or
 * an edge label jumps to its YAML. `status` colours nodes during a run.
 */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { Graph, GraphEdge, GraphNode } from '../api.js';

export type NodeStatus = 'waiting' | 'running' | 'done' | 'failed';

interface Props {
  graph: Graph;
  stale?: boolean;
  status?: Record<string, NodeStatus>;
  onJump?: (line: number) => void;
}

const NODE_H = 46;
const charW = 7.2;

function nodeWidth(n: GraphNode): number {
  if (n.kind !== 'node') return 72;
  return Math.max(120, Math.min(240, n.id.length * charW + 48));
}

interface Laid {
  nodes: Array<GraphNode & { x: number; y: number; w: number }>;
  edges: Array<GraphEdge & { points: Array<{ x: number; y: number }>; lx: number; ly: number }>;
  width: number;
  height: number;
}

export function layout(graph: Graph): Laid {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 48, edgesep: 16, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes)
    g.setNode(n.id, { width: nodeWidth(n), height: n.kind === 'node' ? NODE_H : 30 });
  for (const e of graph.edges) {
    if (e.kind === 'loop') continue; // drawn as a self loop beside the node
    const label = e.label ?? '';
    g.setEdge(
      e.from,
      e.to,
      { width: label ? Math.min(label.length, 34) * 6.4 + 10 : 0, height: label ? 18 : 0, labelpos: 'c' },
      e.id,
    );
  }
  dagre.layout(g);
  const nodes = graph.nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number };
    return { ...n, x: p.x, y: p.y, w: p.width };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges.map((e) => {
    if (e.kind === 'loop') {
      const n = byId.get(e.from)!;
      const x = n.x + n.w / 2;
      return {
        ...e,
        points: [
          { x, y: n.y - 10 },
          { x: x + 34, y: n.y - 10 },
          { x: x + 34, y: n.y + 10 },
          { x, y: n.y + 10 },
        ],
        lx: x + 40,
        ly: n.y,
      };
    }
    const p = g.edge({ v: e.from, w: e.to, name: e.id }) as {
      points: Array<{ x: number; y: number }>;
      x?: number;
      y?: number;
    };
    const mid = p.points[Math.floor(p.points.length / 2)]!;
    return { ...e, points: p.points, lx: p.x ?? mid.x, ly: p.y ?? mid.y };
  });
  const info = g.graph() as { width?: number; height?: number };
  let width = info.width ?? 300;
  for (const e of edges)
    if (e.kind === 'loop') width = Math.max(width, e.lx + (e.label?.length ?? 0) * 6.4 + 16);
  return { nodes, edges, width, height: info.height ?? 200 };
}

function path(points: Array<{ x: number; y: number }>): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  if (rest.length === 0) return `M${first!.x},${first!.y}`;
  // A smooth curve through dagre's points.
  let d = `M${first!.x},${first!.y}`;
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i]!;
    const prev = i === 0 ? first! : rest[i - 1]!;
    const mx = (prev.x + p.x) / 2;
    const my = (prev.y + p.y) / 2;
    d += i === rest.length - 1 ? ` Q${prev.x},${prev.y} ${p.x},${p.y}` : ` Q${prev.x},${prev.y} ${mx},${my}`;
  }
  return d;
}

const EDGE_TITLE: Record<GraphEdge['kind'], string> = {
  next: 'then',
  condition: 'when',
  default: 'otherwise',
  route: 'route when',
  loop: 'loop',
  'loop-exit': 'loop exit',
  parallel: 'parallel map',
};

function short(text: string, max = 34): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function WorkflowGraph({ graph, stale, status, onJump }: Props) {
  const laid = useMemo(() => layout(graph), [graph]);
  const jump = (line: number | null) => line !== null && onJump?.(line);
  return (
    <figure class={`graph${stale ? ' stale' : ''}`} aria-label="Workflow graph">
      <svg
        width={laid.width}
        height={laid.height}
        viewBox={`0 0 ${laid.width} ${laid.height}`}
        role="img"
        aria-label={`Graph of ${graph.nodes.length - 2} nodes and ${graph.edges.length} edges`}
      >
        <defs>
          {['next', 'condition', 'default', 'route', 'loop', 'loop-exit', 'parallel'].map((k) => (
            <marker
              id={`arrow-${k}`}
              key={k}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M0,0 L10,5 L0,10 z" class={`arrowhead ${k}`} />
            </marker>
          ))}
        </defs>
        {laid.edges.map((e) => (
          <g key={e.id} class={`edge ${e.kind}`}>
            <title>{`${e.from} → ${e.to}: ${EDGE_TITLE[e.kind]}${e.label ? ` ${e.label}` : ''}`}</title>
            <path d={path(e.points)} marker-end={`url(#arrow-${e.kind})`} />
            {e.label && (
              // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; role and keys make the label one
              <g
                class="edge-label"
                transform={`translate(${e.lx},${e.ly})`}
                role="button"
                tabIndex={0}
                onClick={() => jump(e.line)}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter' || ev.key === ' ') {
                    ev.preventDefault();
                    jump(e.line);
                  }
                }}
              >
                <rect
                  x={e.kind === 'loop' ? 0 : -(Math.min(e.label.length, 34) * 6.4 + 10) / 2}
                  y={-9}
                  width={Math.min(e.label.length, 34) * 6.4 + 10}
                  height={18}
                  rx={4}
                />
                <text
                  x={e.kind === 'loop' ? 5 : 0}
                  y={4}
                  text-anchor={e.kind === 'loop' ? 'start' : 'middle'}
                >
                  {short(e.label)}
                </text>
              </g>
            )}
          </g>
        ))}
        {laid.nodes.map((n) => {
          const h = n.kind === 'node' ? NODE_H : 30;
          const s = status?.[n.id];
          return (
            // biome-ignore lint/a11y/noStaticElementInteractions: nodes with a YAML position are buttons (role below)
            <g
              key={n.id}
              class={`node ${n.kind}${s ? ` ${s}` : ''}`}
              transform={`translate(${n.x - n.w / 2},${n.y - h / 2})`}
              data-node={n.id}
              tabIndex={n.line !== null ? 0 : -1}
              role={n.line !== null ? 'button' : undefined}
              onClick={() => jump(n.line)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  jump(n.line);
                }
              }}
            >
              <title>{n.description ?? n.id}</title>
              {n.mapped && <rect x={5} y={5} width={n.w} height={h} rx={8} class="stack" />}
              <rect width={n.w} height={h} rx={n.kind === 'node' ? 8 : 15} class={n.mapped ? 'mapped' : ''} />
              <text x={n.w / 2} y={n.kind === 'node' ? 20 : 19} text-anchor="middle" class="node-id">
                {n.id}
              </text>
              {n.kind === 'node' && (
                <text x={n.w / 2} y={36} text-anchor="middle" class="node-sub">
                  {[
                    n.mapped ? 'per item' : null,
                    n.join ? 'join' : null,
                    n.fanOut ? 'fan-out' : null,
                    n.tools.length ? `${n.tools.length} tool${n.tools.length > 1 ? 's' : ''}` : null,
                    n.outputs.length ? `→ ${short(n.outputs.join(', '), 22)}` : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="graph-legend">
        <span class="lg next">then</span>
        <span class="lg condition">condition</span>
        <span class="lg route">route</span>
        <span class="lg default">default</span>
        <span class="lg loop">loop</span>
        <span class="lg parallel">parallel map</span>
      </figcaption>
    </figure>
  );
}
