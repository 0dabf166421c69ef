/**
 * Maximum-cardinality bipartite matching (Hopcroft–Karp), ported line for line from mir_eval's `util._bipartite_match`
 * (itself after David Eppstein's PADS). Which maximum matching it returns depends on iteration order, and mir_eval's
 * Average_Overlap_Ratio depends on which one it is, so the port keeps Python's insertion-ordered dicts as Maps and
 * the same loop structure rather than using a textbook variant.
 *
 * @param graph maps each left vertex to its right neighbours, in insertion order.
 * @returns a map from each matched right vertex to its left vertex.
 */
export function bipartiteMatch(graph: ReadonlyMap<number, readonly number[]>): Map<number, number> {
  const matching = new Map<number, number>();
  // Greedy start, as mir_eval does: redundant for correctness, but it fixes which matching comes out.
  for (const [u, neighbours] of graph) {
    for (const v of neighbours) {
      if (!matching.has(v)) {
        matching.set(v, u);
        break;
      }
    }
  }

  const FIRST_LAYER = -1; // stands in for mir_eval's `unmatched` sentinel in pred[u]
  for (;;) {
    const preds = new Map<number, number[]>();
    const unmatched: number[] = [];
    const pred = new Map<number, number>();
    for (const u of graph.keys()) pred.set(u, FIRST_LAYER);
    for (const u of matching.values()) pred.delete(u);
    let layer = [...pred.keys()];

    while (layer.length > 0 && unmatched.length === 0) {
      const newLayer = new Map<number, number[]>();
      for (const u of layer) {
        for (const v of graph.get(u) ?? []) {
          if (!preds.has(v)) {
            const list = newLayer.get(v);
            if (list) list.push(u);
            else newLayer.set(v, [u]);
          }
        }
      }
      layer = [];
      for (const [v, us] of newLayer) {
        preds.set(v, us);
        const matchedU = matching.get(v);
        if (matchedU !== undefined) {
          layer.push(matchedU);
          pred.set(matchedU, v);
        } else {
          unmatched.push(v);
        }
      }
    }

    if (unmatched.length === 0) return matching;

    const recurse = (v: number): boolean => {
      const candidates = preds.get(v);
      if (candidates === undefined) return false;
      preds.delete(v);
      for (const u of candidates) {
        const pu = pred.get(u);
        if (pu === undefined) continue;
        pred.delete(u);
        if (pu === FIRST_LAYER || recurse(pu)) {
          matching.set(v, u);
          return true;
        }
      }
      return false;
    };
    for (const v of unmatched) recurse(v);
  }
}
