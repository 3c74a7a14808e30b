/**
 * "Did you mean" for mistyped words (pure): the Damerau-Levenshtein distance (optimal string
 * alignment, so `stauts` is one swap from `status`) and the closest candidate within a bound.
 */

/** Edits (insert, delete, substitute, swap of neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[rows - 1][cols - 1]
}

/** Most edits accepted for a word of `length` characters: 1 for short words, 2 from five, 3 from nine. */
export function maxEditsFor(length: number): number {
  return length < 5 ? 1 : length < 9 ? 2 : 3
}

/**
 * The candidate closest to `word` (case-insensitive), or undefined when none is within
 * maxEditsFor(word.length) edits. Ties go to the earlier candidate.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestDistance = maxEditsFor(w.length) + 1
  for (const c of candidates) {
    const dist = editDistance(w, c.toLowerCase())
    if (dist < bestDistance) {
      best = c
      bestDistance = dist
    }
  }
  return best
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const m = closestMatch(word, candidates)
  return m === undefined ? '' : ` (did you mean "${m}"?)`
}
