import {
  ClaimPathError,
  covers,
  firstOverlap,
  normaliseClaim,
  normaliseClaims,
  outsideClaims,
  overlaps,
  registryClaims,
  wholeRepository,
} from '../../src/schemas/claimPaths';

describe('normaliseClaim', () => {
  test.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src/a.ts', 'src/a.ts'],
    ['src//a.ts', 'src/a.ts'],
    ['src/./lib/', 'src/lib/'],
    ['  docs/ ', 'docs/'],
    ['src/.', 'src/'],
    ['.', wholeRepository],
    ['./', wholeRepository],
  ])('%j becomes %j', (raw, normalised) => {
    expect(normaliseClaim(raw)).toBe(normalised);
  });

  test.each(['../x', 'src/../../x', 'src/..', '/etc/passwd', 'C:\\x', 'src\\a.ts', '   '])('%j is refused', (raw) => {
    expect(() => normaliseClaim(raw)).toThrow(ClaimPathError);
  });

  test('a list drops what another of its claims covers', () => {
    expect(normaliseClaims(['src/a.ts', 'src/', './src//b.ts', 'docs/x.md', 'docs/x.md'])).toEqual(['src/', 'docs/x.md']);
  });
});

describe('overlaps', () => {
  test.each([
    ['src/', 'src/a.ts', true],
    ['src/a.ts', 'src/', true],
    ['src/a.ts', 'src/a.ts', true],
    ['src', 'src/a.ts', true],
    ['src/', 'src2/x.ts', false],
    ['src', 'src2/x.ts', false],
    ['src/a.ts', 'src/a.tsx', false],
    ['src/a/', 'src/b/', false],
    [wholeRepository, 'anything/at/all', true],
  ])('%j and %j: %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });

  test('firstOverlap names the pair', () => {
    expect(firstOverlap(['docs/', 'src/a.ts'], ['lib/', 'src/'])).toEqual(['src/a.ts', 'src/']);
    expect(firstOverlap(['docs/'], ['src/'])).toBeUndefined();
  });

  test('a folder covers what is under it, a file only itself', () => {
    expect(covers('src/', 'src/deep/x.ts')).toBe(true);
    expect(covers('src/x.ts', 'src/')).toBe(false);
  });
});

describe('registryClaims', () => {
  test('widens many claims to their folders, still covering every declared path', () => {
    const declared = ['src/a/1.ts', 'src/a/2.ts', 'src/b/3.ts', 'src/b/4.ts', 'docs/x.md'];
    const claims = registryClaims(declared, 3);
    expect(claims.length).toBeLessThanOrEqual(3);
    expect(claims).toEqual(['src/a/', 'src/b/', 'docs/x.md']);
    for (const path of declared) expect(claims.some((c) => covers(c, path))).toBe(true);
    expect(registryClaims(declared, 1)).toEqual([wholeRepository]);
  });

  test('a path that does not normalise claims the whole repository', () => {
    expect(registryClaims(['src/a.ts', '../elsewhere'], 10)).toEqual([wholeRepository]);
  });
});

test('outsideClaims lists changed files no claim covers', () => {
  expect(outsideClaims(['src/a.ts', 'src/deep/b.ts', 'README.md', 'src2/c.ts'], ['src/', 'docs/'])).toEqual(['README.md', 'src2/c.ts']);
});
