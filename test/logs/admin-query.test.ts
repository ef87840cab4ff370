import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { parseTime, parseTimeRange } from '../../src/logs/admin-query';

/** The parameter a refusal names, or the time read. */
function read(value: string): number | string | null {
  try {
    return parseTime(value, 'since');
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    expect(error.status).toBe(400);
    return error.param;
  }
}

describe('parseTime', () => {
  it('reads a date as UTC midnight, a zoned date-time at its zone, and epoch milliseconds', () => {
    expect(read('2026-05-01')).toBe(Date.UTC(2026, 4, 1));
    expect(read('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(read('2026-05-01T10:20:30Z')).toBe(Date.UTC(2026, 4, 1, 10, 20, 30));
    expect(read('2026-05-01T10:20:30.1234Z')).toBe(Date.UTC(2026, 4, 1, 10, 20, 30, 123));
    expect(read('2026-05-01T10:20Z')).toBe(Date.UTC(2026, 4, 1, 10, 20));
    expect(read('2026-05-01T02:00:00+02:00')).toBe(Date.UTC(2026, 4, 1));
    expect(read('2026-04-30T22:30:00-0130')).toBe(Date.UTC(2026, 5 - 1, 1));
    expect(read('2026-05-01t00:00:00z')).toBe(Date.UTC(2026, 4, 1));
    expect(read('1777593600000')).toBe(1_777_593_600_000);
  });

  it('refuses a date or time that does not exist instead of rolling it over', () => {
    for (const value of [
      '2026-02-30',
      '2025-02-29',
      '2026-04-31T00:00:00Z',
      '2026-13-01',
      '2026-00-10',
      '2026-05-00',
      '2026-05-01T25:00:00Z',
      '2026-05-01T24:00:00Z',
      '2026-05-01T10:60:00Z',
      '2026-05-01T10:00:60Z',
      '2026-05-01T00:00:00+24:00',
      '2026-05-01T00:00:00+01:60',
    ])
      expect([value, read(value)]).toEqual([value, 'since']);
  });

  it('refuses other forms Date.parse would read: zone-less times, prose, a bare year as a date', () => {
    for (const value of [
      '2026-05-01T00:00:00',
      'May 1, 2026',
      '2026/05/01',
      '2026-5-1',
      'Fri, 01 May 2026 00:00:00 GMT',
      '+002026-05-01',
      '9000000000000000',
    ])
      expect([value, read(value)]).toEqual([value, 'since']);
    // Digits alone are epoch milliseconds, as documented, never a year.
    expect(read('2026')).toBe(2026);
  });

  it('names the parameter and says there is no such date', () => {
    try {
      parseTime('2026-02-30', 'until');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).param).toBe('until');
      expect((error as GatewayError).message).toContain("no such date or time as '2026-02-30'");
    }
  });
});

describe('parseTimeRange', () => {
  it("reads either bound alone, and refuses a 'since' not before 'until'", () => {
    expect(parseTimeRange({})).toEqual({});
    expect(parseTimeRange({ until: '2026-05-01' })).toEqual({ until: Date.UTC(2026, 4, 1) });
    expect(() => parseTimeRange({ since: '2026-05-01', until: '2026-05-01' })).toThrow(GatewayError);
  });
});
