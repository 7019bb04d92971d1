// Unit tests (engine): extension classification and byte-path helpers used by the input walker.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyExtension } from '../../src-main/engine/scan/name-rules.js';
import { displayPath, joinPathBytes, splitPathBytes } from '../../src-main/engine/scan/walk-items.js';

describe('classifyExtension', () => {
  it.each([
    ['a.jpg', 'photo'],
    ['A.JPEG', 'photo'],
    ['x.Jfif', 'photo'],
    ['scan.TIFF', 'photo'],
    ['anim.gif', 'photo'],
    ['new.avif', 'photo'],
    ['IMG_0001.HEIC', 'photo'],
    ['raw.CR3', 'photo'],
    ['raw.dng', 'photo'],
    ['shot.3fr', 'photo'],
    ['old.bmp', 'unsupported'],
    ['logo.svgz', 'unsupported'],
    ['notes.txt', 'other'],
    ['movie.mp4', 'other'],
    ['noext', 'other'],
    ['trailingdot.', 'other'],
    ['.jpg', 'other'],
    ['archive.jpg.zip', 'other'],
  ] as const)('%s → %s', (name, expected) => {
    expect(classifyExtension(name)).toBe(expected);
    expect(classifyExtension(Buffer.from(name))).toBe(expected);
  });

  it('looks only at the last path component', () => {
    expect(classifyExtension('/photos.jpg/readme')).toBe('other');
    expect(classifyExtension('/a.b/c.png')).toBe('photo');
  });

  it('classifies non-UTF-8 names by their bytes', () => {
    expect(classifyExtension(Buffer.from([0x66, 0xe9, 0x2e, 0x6a, 0x70, 0x67]))).toBe('photo');
    expect(classifyExtension(Buffer.from([0x66, 0x2e, 0x6a, 0x70, 0xe9]))).toBe('other');
  });
});

describe('path bytes', () => {
  it('joins without doubling the root separator', () => {
    expect(joinPathBytes(Buffer.from(path.sep), Buffer.from('a')).toString()).toBe(`${path.sep}a`);
    expect(joinPathBytes(Buffer.from('/x'), Buffer.from('a')).toString()).toBe(`/x${path.sep}a`);
  });

  it.skipIf(path.sep !== '/')('splits into parent and name', () => {
    const split = (p: string) => {
      const { dir, name } = splitPathBytes(Buffer.from(p));
      return [dir.toString(), name.toString()];
    };
    expect(split('/a/b/c.jpg')).toEqual(['/a/b', 'c.jpg']);
    expect(split('/c.jpg')).toEqual(['/', 'c.jpg']);
    expect(split('/a/b/')).toEqual(['/a', 'b']);
  });

  it('displays invalid UTF-8 as U+FFFD', () => {
    expect(displayPath(Buffer.from([0x2f, 0x66, 0xe9, 0x2e, 0x6a]))).toBe('/f\uFFFD.j');
  });
});
