/**
 * The paths a task claims: files or folders of the repository it will change. Two claims overlap
 * when one is the other or lies under it (path by path, so `src` and `src2/x` do not), and a
 * task's claims overlap another's when any pair does. Pure string work, shared by workflow code
 * (the claim registry), the planner's tool and the worker's check.
 *
 * A normalised claim is relative and posix-style, without `.` segments or repeated slashes; a folder
 * ends with `/`, and the whole repository is the empty folder `''`.
 */

export class ClaimPathError extends Error {}

/** The whole repository, as a claim. */
export const wholeRepository = '';

/** Normalises one claimed path, or throws a ClaimPathError saying what is wrong with it. */
export function normaliseClaim(raw: string): string {
  const text = raw.trim();
  if (text === '') throw new ClaimPathError('a path is empty');
  if (text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text))
    throw new ClaimPathError(`"${raw}" is absolute: give it relative to the repository root`);
  if (text.includes('\\')) throw new ClaimPathError(`"${raw}" uses backslashes: separate folders with "/"`);
  const segments = text.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new ClaimPathError(`"${raw}" contains "..": give it relative to the repository root, inside it`);
  if (segments.length === 0) return wholeRepository;
  const folder = text.endsWith('/') || text.endsWith('/.');
  return segments.join('/') + (folder ? '/' : '');
}

export function isFolderClaim(claim: string): boolean {
  return claim === wholeRepository || claim.endsWith('/');
}

/** Whether `inner` is `outer` or lies under it. A claim without a trailing slash may be a folder too. */
export function covers(outer: string, inner: string): boolean {
  const base = outer.endsWith('/') ? outer.slice(0, -1) : outer;
  const target = inner.endsWith('/') ? inner.slice(0, -1) : inner;
  return outer === wholeRepository || target === base || target.startsWith(`${base}/`);
}

export function overlaps(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a);
}

/** The first pair of overlapping claims of two tasks, or undefined. */
export function firstOverlap(mine: readonly string[], theirs: readonly string[]): [string, string] | undefined {
  for (const a of mine) for (const b of theirs) if (overlaps(a, b)) return [a, b];
  return undefined;
}

/** Normalised, with claims covered by another claim of the same list dropped. */
export function normaliseClaims(raw: readonly string[]): string[] {
  return withoutCovered(raw.map(normaliseClaim));
}

/**
 * The claims as the registry keeps them: normalised and at most `max`, widened to their folders
 * (up to the whole repository) when there are more, so a widened claim still covers everything the
 * task declared. A path that does not normalise claims the whole repository: it could be anywhere.
 */
export function registryClaims(raw: readonly string[], max: number): string[] {
  let claims = withoutCovered(
    raw.map((path) => {
      try {
        return normaliseClaim(path);
      } catch (err) {
        if (err instanceof ClaimPathError) return wholeRepository;
        throw err;
      }
    }),
  );
  while (claims.length > max) {
    const deepest = Math.max(...claims.map(depth));
    claims = withoutCovered(claims.map((c) => (depth(c) === deepest ? parentFolder(c) : c)));
  }
  return claims;
}

/** Changed files no claim covers. */
export function outsideClaims(changed: readonly string[], claims: readonly string[]): string[] {
  return changed.filter((file) => !claims.some((claim) => covers(claim, file)));
}

export function describeClaim(claim: string): string {
  return claim === wholeRepository ? 'the whole repository' : `\`${claim}\``;
}

function depth(claim: string): number {
  return claim === wholeRepository ? 0 : claim.replace(/\/$/, '').split('/').length;
}

function parentFolder(claim: string): string {
  const segments = claim.replace(/\/$/, '').split('/');
  return segments.length <= 1 ? wholeRepository : `${segments.slice(0, -1).join('/')}/`;
}

function withoutCovered(claims: readonly string[]): string[] {
  const unique = [...new Set(claims)];
  return unique.filter((c, i) => !unique.some((other, j) => j !== i && covers(other, c) && !(covers(c, other) && j > i)));
}
