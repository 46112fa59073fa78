// Kubernetes quantities as numbers, enough to compare storage sizes.
const suffixes: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity such as 10Gi, 1.5G, 500M or 1e9; throws on anything else. */
export function quantityBytes(quantity: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  const factor = match ? suffixes[match[2] ?? ""] : undefined;
  if (!match || factor === undefined) throw new Error(`not a quantity: ${JSON.stringify(quantity)}`);
  return Number(match[1]) * factor;
}
