// Prices a provider has announced will change on a given day: each charged in its time, and a
// request that may be charged either reserved at the dearer (Gemini 3.6 to 3.8 Flash's rise on
// 2027-01-01, OpenAI's ultrafast tier from three to six times the standard rates on 2027-03-01).
import { describe, expect, it } from 'vitest';
import { costOf, listPriceOf, priceOf, worstCaseCost } from '../../src/pricing/cost';

const day = (iso: string) => Date.parse(iso);
const million = { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000 };
const gemini = (model: string) => listPriceOf({ provider: 'g', model }, 'gemini', {});

describe('a bundled price that changes on a known day', () => {
  it('charges Gemini 3.6 to 3.8 Flash their launch rates until 2026-12-31 and the new ones from 2027-01-01', () => {
    for (const model of [
      'gemini-3.6-flash',
      'gemini-3.7-flash',
      'gemini-3.8-flash',
      'gemini-3.8-flash-preview',
    ]) {
      const listed = gemini(model);
      expect(
        priceOf({ provider: 'g', model }, 'gemini', {}, false, day('2026-12-06T12:00:00Z')),
      ).toMatchObject({
        inputPerMTok: 0.75,
        outputPerMTok: 3.75,
        cachedInputPerMTok: 0.075,
      });
      expect(costOf(million, listed, undefined, false, day('2026-12-31T23:59:59Z')), model).toBeCloseTo(
        0.75,
        9,
      );
      expect(costOf(million, listed, undefined, false, day('2027-01-01T00:00:00Z')), model).toBeCloseTo(
        1.5,
        9,
      );
      const cachedMillion = { ...million, prompt_tokens_details: { cached_tokens: 1_000_000 } };
      expect(costOf(cachedMillion, listed, undefined, false, day('2027-02-01T00:00:00Z'))).toBeCloseTo(
        0.15,
        9,
      );
    }
  });

  it('reserves at the dearer rates when the change falls within the time a request may still be charged', () => {
    const listed = gemini('gemini-3.7-flash');
    // Weeks before: the rates in force (a reservation at the later ones would refuse requests the budget fits).
    expect(
      worstCaseCost(1_000_000, 1_000_000, [listed], undefined, undefined, day('2026-12-06T00:00:00Z')),
    ).toBeCloseTo(0.75 + 3.75, 9);
    // Hours before: a request admitted now can still be running, and charged, after the rise.
    expect(
      worstCaseCost(1_000_000, 1_000_000, [listed], undefined, undefined, day('2026-12-31T18:00:00Z')),
    ).toBeCloseTo(1.5 + 7.5, 9);
    expect(
      worstCaseCost(1_000_000, 0, [listed], undefined, undefined, day('2027-03-01T00:00:00Z')),
    ).toBeCloseTo(1.5, 9);
  });

  it("charges OpenAI's ultrafast tier at three times the standard rates until 2027-02-28, six from 2027-03-01", () => {
    const sol = priceOf({ provider: 'o', model: 'gpt-6.2-sol' }, 'openai', {});
    const standard = costOf(million, sol);
    expect(costOf(million, sol, 'ultrafast', true, day('2027-02-28T23:59:59Z'))).toBeCloseTo(3 * standard, 9);
    expect(costOf(million, sol, 'ultrafast', true, day('2027-03-01T00:00:00Z'))).toBeCloseTo(6 * standard, 9);
    expect(costOf(million, sol, 'priority', true, day('2027-03-01T00:00:00Z'))).toBeCloseTo(2 * standard, 9);
    const reserved = (at: string) => worstCaseCost(1_000_000, 0, [sol], undefined, 'ultrafast', day(at));
    const standardReserve = worstCaseCost(1_000_000, 0, [sol]);
    expect(reserved('2026-12-06T00:00:00Z')).toBeCloseTo(3 * standardReserve, 9);
    expect(reserved('2027-02-28T12:00:00Z')).toBeCloseTo(6 * standardReserve, 9);
    expect(reserved('2027-04-01T00:00:00Z')).toBeCloseTo(6 * standardReserve, 9);
  });

  it('leaves a configured price as set, whatever the day', () => {
    const pricing = { 'gemini-3.7-flash': { inputPerMTok: 1, outputPerMTok: 2 } };
    for (const at of ['2026-12-06T00:00:00Z', '2027-06-01T00:00:00Z'])
      expect(
        priceOf({ provider: 'g', model: 'gemini-3.7-flash' }, 'gemini', pricing, false, day(at)),
      ).toEqual({
        inputPerMTok: 1,
        outputPerMTok: 2,
      });
  });
});
