// Deterministic seeded random numbers for synthetic model weights (engine process).

/** A reproducible stream of numbers: the same seed always yields the same weights, hence identical model bytes. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (mean 0, std 1). */
  normal(): number;
}

/** mulberry32: tiny, fast and good enough for weights; Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createSeededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed);
  // Box–Muller yields two normals per draw; keeping the second halves the cost on ResNet-50's 25M weights.
  let spare: number | undefined;
  return {
    uniform: next,
    normal(): number {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // 1 - u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}

/** Normal samples scaled by std. */
export function normalArray(random: SeededRandom, count: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = mean + std * random.normal();
  return out;
}

/** Uniform samples in [low, high). */
export function uniformArray(random: SeededRandom, count: number, low: number, high: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + (high - low) * random.uniform();
  return out;
}

/** He (Kaiming) normal init, std sqrt(2 / fanIn): keeps activation variance steady through ReLU layers. */
export function heNormal(random: SeededRandom, count: number, fanIn: number): Float32Array {
  return normalArray(random, count, Math.sqrt(2 / fanIn));
}
