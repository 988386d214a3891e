// @ts-check
/**
 * One-line description of a thrown value. SealdropError (from the wasm
 * module) carries `kind` and `index`, which say what failed and where.
 * @param {unknown} err
 */
export function describeError(err) {
  if (!(err instanceof Error)) return String(err);
  const e = /** @type {Error & { kind?: string, index?: number | null }} */ (err);
  const extra = e.name === 'SealdropError' ? ` (kind=${e.kind}, index=${e.index})` : '';
  return `${e.name}: ${e.message}${extra}`;
}
