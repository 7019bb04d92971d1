// Tests for the display formatters (renderer): download sizes in decimal units, accuracy, rates with units.
import { describe, expect, it } from 'vitest';
import { formatAccuracy, formatBytes, formatRate } from './format';

describe('format', () => {
  it('writes sizes in decimal units, as download sizes are quoted', () => {
    expect(formatBytes(102_442_452)).toBe('102 MB');
    expect(formatBytes(4_000_000)).toBe('4.0 MB');
    expect(formatBytes(12_345)).toBe('12 kB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
    expect(formatBytes(null)).toBe('—');
  });

  it('writes ImageNet accuracy from percent or a fraction', () => {
    expect(formatAccuracy(75.81)).toBe('75.8%');
    expect(formatAccuracy(0.7)).toBe('70%');
    expect(formatAccuracy(null)).toBe('—');
  });

  it('names the unit of a rate', () => {
    expect(formatRate(42.4, 'images')).toBe('42 images/s');
    expect(formatRate(2.5, 'files')).toBe('2.5 files/s');
    expect(formatRate(0)).toBe('—');
  });
});
