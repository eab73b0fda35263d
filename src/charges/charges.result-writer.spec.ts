import { ResultWriter } from './charges.result-writer';

const turn = () => new Promise((r) => setImmediate(r));

/** A write whose completion the test decides. */
function controlledWrite() {
  const writes: number[][] = [];
  const pending: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let inFlight = 0;
  let peak = 0;
  const write = jest.fn(
    (batch: number[]) =>
      new Promise<string>((resolve, reject) => {
        writes.push(batch);
        inFlight++;
        peak = Math.max(peak, inFlight);
        pending.push({
          resolve: () => (inFlight--, resolve(`wrote ${batch.length}`)),
          reject: (err) => (inFlight--, reject(err)),
        });
      }),
  );
  return { write, writes, pending, peak: () => peak };
}

describe('ResultWriter', () => {
  it('writes once a chunk waits, one write at a time, what came meanwhile next, and the rest on finish', async () => {
    const w = controlledWrite();
    const writer = new ResultWriter(w.write, 3);
    writer.add(1);
    writer.add(2);
    expect(w.writes).toEqual([]);
    writer.add(3);
    expect(w.writes).toEqual([[1, 2, 3]]);
    // Four arrive during the first write: no second write at once, all four together after it.
    for (const n of [4, 5, 6, 7]) writer.add(n);
    expect(w.writes).toHaveLength(1);
    w.pending.shift()!.resolve();
    await turn();
    expect(w.writes).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
    ]);
    writer.add(8);
    const finished = writer.finish();
    w.pending.shift()!.resolve();
    await turn();
    // Less than a chunk left: written by finish, after the write under way.
    expect(w.writes).toEqual([[1, 2, 3], [4, 5, 6, 7], [8]]);
    w.pending.shift()!.resolve();
    expect(await finished).toEqual(['wrote 3', 'wrote 4', 'wrote 1']);
    expect(w.peak()).toBe(1);
  });

  it('finish with nothing waiting writes nothing', async () => {
    const w = controlledWrite();
    expect(await new ResultWriter(w.write, 2).finish()).toEqual([]);
    expect(w.write).not.toHaveBeenCalled();
  });

  it('after a failed write nothing more is written, and finish rejects with that error', async () => {
    const w = controlledWrite();
    const writer = new ResultWriter(w.write, 2);
    writer.add(1);
    writer.add(2);
    for (const n of [3, 4, 5]) writer.add(n);
    w.pending.shift()!.reject(new Error('database down'));
    await turn();
    writer.add(6);
    writer.add(7);
    await expect(writer.finish()).rejects.toThrow('database down');
    expect(w.writes).toEqual([[1, 2]]);
  });
});
